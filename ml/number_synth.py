"""Draw whole numbers from MNIST digits, as a wide canvas would deliver them.

Digits of one number differ in size; gaps vary, some pairs touch, and the baseline
wanders. Each number comes with its digits and how many of its neighbouring pairs touch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from ml import data
from ml.synth import ENCODINGS, encode, strokes

LENGTHS = (2, 3, 4, 5, 6)
HEIGHT = (60, 140)  # a digit's height on the canvas, in pixels
SIZE_SPREAD = (0.8, 1.15)  # each digit's height, of the number's
GAP = (0.05, 0.5)  # between neighbours, of the height
TOUCH_SHARE = 0.05  # of neighbouring pairs drawn touching: one number in seven
BASELINE_STEP = 0.06  # the baseline's random walk per digit, of the height
MARGIN = 0.3  # around the number, of the height


@dataclass(frozen=True)
class DrawnNumber:
    png: bytes
    digits: str
    touching: int  # neighbouring pairs whose ink touches
    indices: tuple[int, ...]  # which digits of the set it drew


def numbers(digits: data.Digits, count: int, seed: int) -> Iterator[DrawnNumber]:
    """Yield `count` numbers, lengths 2-6 in turn, each of digits picked at random."""
    rng = np.random.default_rng(seed)
    for index in range(count):
        length = LENGTHS[index % len(LENGTHS)]
        picked = rng.choice(len(digits), size=length, replace=False)
        ink, touching = compose([digits.images[i] for i in picked], rng)
        png = encode(ink, ENCODINGS[index % len(ENCODINGS)], rng)
        label = "".join(str(digits.labels[i]) for i in picked)
        yield DrawnNumber(png, label, touching, tuple(int(i) for i in picked))


@dataclass(frozen=True)
class Layout:
    """Digits placed side by side on a canvas: each digit's ink and its top-left corner."""

    inks: list[np.ndarray]
    corners: list[tuple[int, int]]  # top, left
    shape: tuple[int, int]
    touching: int  # neighbouring pairs whose ink touches

    def canvas(self, only: Iterable[int] | None = None) -> np.ndarray:
        """Return the ink map of every digit, or of the digits `only`."""
        canvas = np.zeros(self.shape, dtype=np.float32)
        for index in range(len(self.inks)) if only is None else only:
            (top, left), ink = self.corners[index], self.inks[index]
            region = canvas[top : top + ink.shape[0], left : left + ink.shape[1]]
            np.maximum(region, ink, out=region)
        return canvas


def compose(
    images: list[np.ndarray], rng: np.random.Generator, *, touch_share: float = TOUCH_SHARE
) -> tuple[np.ndarray, int]:
    """Return the ink map of 28x28 digits drawn side by side, and how many pairs touch."""
    placed = layout(images, rng, touch_share=touch_share)
    return placed.canvas(), placed.touching


def layout(
    images: list[np.ndarray], rng: np.random.Generator, *, touch_share: float = TOUCH_SHARE
) -> Layout:
    """Size 28x28 digits as one number's and place them side by side, some touching."""
    height = rng.uniform(*HEIGHT)
    inks = [_sized(image, height * rng.uniform(*SIZE_SPREAD), rng) for image in images]
    baselines = np.cumsum(rng.normal(0, BASELINE_STEP * height, len(inks)))
    bottoms = np.round(baselines - baselines.min() + max(ink.shape[0] for ink in inks))
    tops = [int(bottom) - ink.shape[0] for bottom, ink in zip(bottoms, inks)]
    rows = int(bottoms.max())
    reach = np.full(rows, -np.inf)  # per row, the rightmost ink so far
    lefts, touching, right = [], 0, 0.0
    for top, ink in zip(tops, inks):
        edge = np.full(rows, np.inf)  # per row, this digit's leftmost ink
        inked = ink > 0.1
        has = inked.any(axis=1)
        edge[top : top + ink.shape[0]][has] = inked[has].argmax(axis=1)
        if lefts and rng.random() < touch_share:
            # Close up until the ink meets, at most a pixel into it: the digits touch.
            left = int(np.max(reach - edge)) + 1 - int(rng.integers(0, 2))
        else:
            left = round(right + (rng.uniform(*GAP) * height if lefts else 0))
        touching += bool(lefts) and left <= int(np.max(reach - edge)) + 1
        lefts.append(left)
        last = np.where(has, inked.shape[1] - 1 - inked[:, ::-1].argmax(axis=1), -1)
        np.maximum(
            reach[top : top + ink.shape[0]],
            np.where(has, left + last, -np.inf),
            out=reach[top : top + ink.shape[0]],
        )
        right = max(right, left + ink.shape[1])
    margin = round(MARGIN * height)
    shift = margin - min(lefts)
    corners = [(top + margin, left + shift) for top, left in zip(tops, lefts)]
    shape = (rows + 2 * margin, int(right) + shift + margin)
    return Layout(inks, corners, shape, touching)


def _sized(image: np.ndarray, height: float, rng: np.random.Generator) -> np.ndarray:
    """Return the digit drawn `height` px tall, its width in proportion."""
    rows = np.flatnonzero(image.max(axis=1) > 25)
    cols = np.flatnonzero(image.max(axis=0) > 25)
    tall, wide = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    return strokes(image, target=max(2, round(height * max(tall, wide) / tall)), rng=rng)
