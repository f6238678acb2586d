"""Render MNIST digits the way a browser canvas or an upload delivers them."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter

ENCODINGS = ("transparent", "dark_on_light", "light_on_dark", "coloured")
CANVAS_SIZES = (280, 280, 400, 560)


def render_canvas(
    digit: np.ndarray,
    rng: np.random.Generator,
    encoding: str | None = None,
    size: int | None = None,
) -> bytes:
    """Return PNG bytes of a 28x28 uint8 digit drawn large, somewhere on a canvas."""
    size = size or int(rng.choice(CANVAS_SIZES))
    ink = strokes(digit, target=int(size * rng.uniform(0.3, 0.85)), rng=rng)
    canvas = np.zeros((size, size), dtype=np.float32)
    top = int(rng.integers(0, size - ink.shape[0] + 1))
    left = int(rng.integers(0, size - ink.shape[1] + 1))
    canvas[top : top + ink.shape[0], left : left + ink.shape[1]] = ink
    encoding = encoding or str(rng.choice(ENCODINGS))
    return encode(canvas, encoding, rng)


def strokes(digit: np.ndarray, target: int, rng: np.random.Generator) -> np.ndarray:
    """Enlarge the digit to `target` px tall with crisp, anti-aliased strokes of random width."""
    rows = np.flatnonzero(digit.max(axis=1) > 25)
    cols = np.flatnonzero(digit.max(axis=0) > 25)
    crop = digit[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    scale = target / max(crop.shape)
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    image = Image.fromarray(crop).resize(size, Image.Resampling.BICUBIC)
    # Thicken or thin by up to ~half an MNIST pixel, as different pens would.
    radius = round(rng.uniform(-0.5, 0.6) * scale / 2)
    if radius > 0:
        image = image.filter(ImageFilter.MaxFilter(2 * radius + 1))
    elif radius < 0:
        image = image.filter(ImageFilter.MinFilter(-2 * radius + 1))
    # A canvas stroke has a sharp edge about a pixel wide, not MNIST's blur.
    sharp = np.clip((np.asarray(image, dtype=np.float32) / 255 - 0.5) * 4 + 0.5, 0, 1)
    pad = np.zeros((sharp.shape[0] + 4, sharp.shape[1] + 4), dtype=np.float32)
    pad[2:-2, 2:-2] = sharp
    return pad


def encode(ink: np.ndarray, encoding: str, rng: np.random.Generator) -> bytes:
    """Return PNG bytes of an ink map (0..1) in one of the ways canvases and uploads come."""
    alpha = ink[..., None]
    if encoding == "transparent":
        colour = rng.integers(0, 90, 3)
        rgba = np.concatenate([np.broadcast_to(colour, (*ink.shape, 3)), alpha * 255], axis=-1)
        return _png(Image.fromarray(rgba.astype(np.uint8), mode="RGBA"))
    background, colour = {
        "dark_on_light": (np.array([255, 255, 255]), np.array([0, 0, 0])),
        "light_on_dark": (np.array([0, 0, 0]), np.array([255, 255, 255])),
        "coloured": _contrasting_colours(rng),
    }[encoding]
    rgb = background * (1 - alpha) + colour * alpha
    return _png(Image.fromarray(np.round(rgb).astype(np.uint8), mode="RGB"))


def _contrasting_colours(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    weights = np.array([0.299, 0.587, 0.114])
    while True:
        background, colour = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
        if abs(float((background - colour) @ weights)) > 100:
            return background, colour


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
