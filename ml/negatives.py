"""Things people put on a digit canvas that are not digits, drawn as canvas PNGs.

Letters (handwritten strokes, and for the held-out report Pillow's own font as well),
shapes, scribbles, partial digits (one side of an MNIST digit: the first stroke of a
two-stroke 4, half of an 8) and touching pairs (two MNIST digits whose ink meets, which a
number's segmentation must cut rather than read as one digit). Training, validation and
the held-out report use different seeds; only the held-out set has typed letters, so it
also measures what training never saw.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ml import number_synth, synth
from ml.preprocessing import PreprocessingError, preprocess

KINDS = ("letter", "shape", "scribble", "partial", "touching")
DIGIT_KINDS = ("partial", "touching")  # made from the split's own MNIST digits
Stroke = list[tuple[float, float]]

# Letters drawn as a person would, in a unit box (x right, y down). Letters that are also
# read as digits (O, I, l, S, Z, B, G, q, g) are left out on purpose.
LETTERS: dict[str, list[Stroke]] = {
    "A": [[(0, 1), (0.5, 0), (1, 1)], [(0.22, 0.6), (0.78, 0.6)]],
    "E": [[(1, 0), (0, 0), (0, 1), (1, 1)], [(0, 0.5), (0.8, 0.5)]],
    "F": [[(1, 0), (0, 0), (0, 1)], [(0, 0.48), (0.75, 0.48)]],
    "H": [[(0, 0), (0, 1)], [(1, 0), (1, 1)], [(0, 0.5), (1, 0.5)]],
    "K": [[(0, 0), (0, 1)], [(1, 0), (0, 0.55)], [(0.3, 0.38), (1, 1)]],
    "M": [[(0, 1), (0.05, 0), (0.5, 0.65), (0.95, 0), (1, 1)]],
    "N": [[(0, 1), (0, 0), (1, 1), (1, 0)]],
    "R": [[(0, 1), (0, 0), (0.75, 0), (1, 0.22), (0.75, 0.48), (0, 0.48)], [(0.4, 0.48), (1, 1)]],
    "T": [[(0, 0), (1, 0)], [(0.5, 0), (0.5, 1)]],
    "V": [[(0, 0), (0.5, 1), (1, 0)]],
    "W": [[(0, 0), (0.25, 1), (0.5, 0.3), (0.75, 1), (1, 0)]],
    "X": [[(0, 0), (1, 1)], [(1, 0), (0, 1)]],
    "Y": [[(0, 0), (0.5, 0.5), (1, 0)], [(0.5, 0.5), (0.5, 1)]],
    "h": [[(0, 0), (0, 1)], [(0, 0.6), (0.4, 0.42), (0.9, 0.5), (1, 1)]],
    "k": [[(0, 0), (0, 1)], [(0.85, 0.4), (0, 0.75)], [(0.3, 0.65), (0.9, 1)]],
    "m": [
        [(0, 1), (0, 0.3)],
        [(0, 0.45), (0.25, 0.3), (0.5, 0.45), (0.5, 1)],
        [(0.5, 0.45), (0.75, 0.3), (1, 0.45), (1, 1)],
    ],
    "w": [[(0, 0.3), (0.2, 1), (0.5, 0.5), (0.8, 1), (1, 0.3)]],
    "x": [[(0, 0.3), (1, 1)], [(1, 0.3), (0, 1)]],
}
TYPED_LETTERS = "AEFHKMNRTVWXYhkmnrwxy"


def _star() -> list[Stroke]:
    points = [
        (0.5 + 0.5 * math.sin(a), 0.5 - 0.5 * math.cos(a))
        for a in (i * 4 * math.pi / 5 for i in range(6))
    ]
    return [points]


SHAPES: dict[str, list[Stroke]] = {
    "star": _star(),
    "triangle": [[(0.5, 0), (1, 1), (0, 1), (0.5, 0)]],
    "square": [[(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]],
    "arrow": [[(0, 0.5), (1, 0.5)], [(0.65, 0.2), (1, 0.5), (0.65, 0.8)]],
    "check": [[(0, 0.55), (0.35, 1), (1, 0)]],
    "plus": [[(0.5, 0), (0.5, 1)], [(0, 0.5), (1, 0.5)]],
    "hash": [
        [(0.35, 0), (0.3, 1)],
        [(0.7, 0), (0.65, 1)],
        [(0, 0.33), (1, 0.33)],
        [(0, 0.67), (1, 0.67)],
    ],
    "equals": [[(0, 0.35), (1, 0.35)], [(0, 0.65), (1, 0.65)]],
    "asterisk": [[(0.5, 0), (0.5, 1)], [(0.07, 0.25), (0.93, 0.75)], [(0.93, 0.25), (0.07, 0.75)]],
    "heart": [
        [
            (0.5, 1),
            (0.05, 0.45),
            (0.1, 0.1),
            (0.35, 0.05),
            (0.5, 0.3),
            (0.65, 0.05),
            (0.9, 0.1),
            (0.95, 0.45),
            (0.5, 1),
        ]
    ],
    "crossed_box": [[(0, 0), (1, 0), (1, 1), (0, 1), (0, 0), (1, 1)], [(1, 0), (0, 1)]],
}


def generate(
    count: int, seed: int, *, typed: bool = False, digits: np.ndarray | None = None
) -> Iterator[bytes]:
    """Yield `count` canvas PNGs of non-digits; `digits` (28x28 MNIST) feed the partial and
    touching ones, which are left out without them."""
    rng = np.random.default_rng(seed)
    font = ImageFont.load_default(size=120) if typed else None
    kinds = KINDS if digits is not None else [k for k in KINDS if k not in DIGIT_KINDS]
    for index in range(count):
        kind = kinds[index % len(kinds)]
        encoding = synth.ENCODINGS[(index // len(KINDS)) % len(synth.ENCODINGS)]
        if kind == "partial":
            yield synth.render_canvas(partial_digit(digits, rng), rng, encoding)
            continue
        if kind == "touching":
            yield synth.encode(touching_pair(digits, rng), encoding, rng)
            continue
        size = int(rng.choice(synth.CANVAS_SIZES))
        if kind == "letter" and font is not None and rng.random() < 0.5:
            ink = _typed(str(rng.choice(list(TYPED_LETTERS))), font, size, rng)
        else:
            ink = _drawn(_strokes(kind, rng), size, rng)
        yield synth.encode(ink, encoding, rng)


def inputs(count: int, seed: int, digits: np.ndarray, *, typed: bool = False) -> np.ndarray:
    """Return `count` negatives as (n, 28, 28) model inputs, through the site's preprocessing."""
    pixels = []
    for png in generate(count, seed, typed=typed, digits=digits):
        try:
            pixels.append(preprocess(png).pixels)
        except PreprocessingError:
            continue  # the site refuses it as empty: it never reaches the model
    return np.stack(pixels) if pixels else np.zeros((0, 28, 28), dtype=np.float32)


def _strokes(kind: str, rng: np.random.Generator) -> list[Stroke]:
    if kind == "letter":
        return LETTERS[str(rng.choice(list(LETTERS)))]
    if kind == "shape":
        return SHAPES[str(rng.choice(list(SHAPES)))]
    return [_scribble(rng) for _ in range(int(rng.integers(1, 3)))]


def _scribble(rng: np.random.Generator) -> Stroke:
    """A random smooth wander: zig-zags, loops and tangles."""
    turns = int(rng.integers(5, 14))
    points = rng.uniform(0, 1, size=(turns, 2))
    # Catmull-Rom through the random points, so that the scribble curves like a pen.
    path = []
    padded = np.vstack([points[:1], points, points[-1:]])
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1 : i + 3]
        for t in np.linspace(0, 1, 8, endpoint=False):
            path.append(
                tuple(
                    0.5
                    * (
                        2 * p1
                        + (p2 - p0) * t
                        + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                        + (3 * p1 - p0 - 3 * p2 + p3) * t**3
                    )
                )
            )
    return path


def partial_digit(digits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Keep the ink on one side of a random line through a digit: a stroke or two of it.

    Pieces that are themselves digits to a reader are drawn again: a straight stroke (a 1)
    or a closed loop (the 0 that half an 8 or a 9 leaves).
    """
    for _ in range(50):
        digit = digits[int(rng.integers(len(digits)))]
        ys, xs = np.nonzero(digit > 25)
        # Half the lines are near upright: where a number's segmentation cuts a wide digit.
        if rng.random() < 0.5:
            angle = rng.choice([0, math.pi]) + rng.normal(0, 0.15)
        else:
            angle = rng.uniform(0, 2 * math.pi)
        side = np.cos(angle) * (xs - xs.mean()) + np.sin(angle) * (ys - ys.mean())
        # Keep 20-55 % of the ink: enough to be a stroke, too little to be the digit.
        cut = np.quantile(side, rng.uniform(0.45, 0.8))
        kept = digit.copy()
        kept[ys[side < cut], xs[side < cut]] = 0
        if _reads_as_stroke(kept > 60):
            return kept
    return kept


def touching_pair(digits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw two digits side by side, moved together until their ink meets."""
    picked = rng.choice(len(digits), size=2, replace=False)
    ink, _ = number_synth.compose([digits[i] for i in picked], rng, touch_share=1.0)
    return ink


def _reads_as_stroke(mask: np.ndarray) -> bool:
    ys, xs = np.nonzero(mask)
    if len(ys) < 8:
        return False
    spread = np.linalg.eigvalsh(np.cov(np.vstack([xs, ys])))
    if spread[0] < 0.2 * spread[1]:
        return False  # a straight line
    field = Image.fromarray(np.pad(mask, 1).astype(np.uint8) * 255).copy()  # floodfill writes
    ImageDraw.floodfill(field, (0, 0), 128)
    return int((np.asarray(field) == 0).sum()) < 3  # no enclosed hole


def _jittered(strokes: list[Stroke], rng: np.random.Generator) -> list[np.ndarray]:
    """Warp the whole drawing (slant, squash, rotate) and wobble every point a little."""
    angle = rng.uniform(-0.3, 0.3)
    shear, aspect = rng.uniform(-0.3, 0.3), rng.uniform(0.6, 1.3)
    cos, sin = math.cos(angle), math.sin(angle)
    warp = np.array([[cos, -sin], [sin, cos]]) @ np.array([[aspect, shear], [0, 1]])
    out = []
    for stroke in strokes:
        points = np.array(stroke, dtype=np.float64) - 0.5
        dense = _densified(points)
        dense += rng.normal(0, 0.025, size=dense.shape)
        out.append(dense @ warp.T)
    return out


def _densified(points: np.ndarray, step: float = 0.1) -> np.ndarray:
    dense = [points[0]]
    for a, b in itertools.pairwise(points):
        n = max(1, int(np.linalg.norm(b - a) / step))
        dense.extend(a + (b - a) * t for t in np.linspace(0, 1, n + 1)[1:])
    return np.array(dense)


def _drawn(strokes: list[Stroke], size: int, rng: np.random.Generator) -> np.ndarray:
    """Draw the strokes with a round pen somewhere on a `size` canvas; ink in 0..1."""
    paths = _jittered(strokes, rng)
    every = np.vstack(paths)
    low, high = every.min(axis=0), every.max(axis=0)
    extent = size * rng.uniform(0.3, 0.85)
    scale = extent / max(float((high - low).max()), 1e-6)
    width = max(2, int(size * rng.uniform(0.02, 0.07)))
    room = np.maximum(size - (high - low) * scale - width, 1)
    offset = rng.uniform(0, room) + width / 2
    image = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(image)
    for path in paths:
        xy = [tuple(p) for p in (path - low) * scale + offset]
        draw.line(xy, fill=255, width=width, joint="curve")
        for x, y in (xy[0], xy[-1]):
            draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=255)
    return np.asarray(image, dtype=np.float32) / 255


def _typed(letter: str, font, size: int, rng: np.random.Generator) -> np.ndarray:
    """Type one letter in Pillow's own font, scaled and placed at random."""
    left, top, right, bottom = font.getbbox(letter)
    glyph = Image.new("L", (right - left + 8, bottom - top + 8), 0)
    ImageDraw.Draw(glyph).text((4 - left, 4 - top), letter, font=font, fill=255)
    target = size * rng.uniform(0.3, 0.85)
    scale = target / max(glyph.size)
    glyph = glyph.resize((max(1, round(glyph.width * scale)), max(1, round(glyph.height * scale))))
    canvas = Image.new("L", (size, size), 0)
    x = int(rng.integers(0, max(1, size - glyph.width)))
    y = int(rng.integers(0, max(1, size - glyph.height)))
    canvas.paste(glyph, (x, y))
    return np.asarray(canvas, dtype=np.float32) / 255
