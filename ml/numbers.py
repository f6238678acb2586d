"""Read a whole number: find its digits, then read each through the one preprocessing."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from ml.inference import Predictor, Reading
from ml.preprocessing import (
    ImageTooLargeError,
    PreprocessingError,
    declared_size,
    decode_image,
    ink_map,
    normalize_digit,
    preprocess,
    to_uint8,
)
from ml.segmentation import Scorer, segment
from ml.uncertainty import NOT_A_DIGIT, calibrated

MAX_DIGITS = 12
MAX_WIDTH = 4096  # a number's image, in pixels; a wide canvas on a 4K screen fits
MAX_HEIGHT = 2048
MAX_PIXELS = 4096 * 1024
WORK_SIDE = 2048  # larger images are shrunk to this before any float work
CROP_MARGIN = 0.15  # around each digit's crop, of its longer side
CROP_SIDE = 1024  # a digit's crop is shrunk to at most this, in pixels

ERROR_TOO_LARGE = (
    "The image is {width}x{height} pixels; a number's image may be at most "
    "{max_width} px wide, {max_height} px high and {limit:,} pixels in all."
)


@dataclass(frozen=True)
class DigitReading:
    """One digit of a number: where it is in the image, its own crop, and its reading."""

    box: tuple[int, int, int, int]  # left, top, right, bottom, in the image's pixels
    crop: bytes  # a PNG of this digit's ink alone, as a one-digit drawing
    reading: Reading


@dataclass(frozen=True)
class NumberReading:
    """A whole number's reading, its digits left to right."""

    digits: tuple[DigitReading, ...]
    model_version: str
    size: tuple[int, int]  # the image's width and height
    mime_type: str = ""  # the image's type, as decoded

    @property
    def number(self) -> str:
        return "".join(str(digit.reading.digit) for digit in self.digits)

    @property
    def uncertain(self) -> bool:
        return any(digit.reading.uncertain for digit in self.digits)


def read_number(
    predictor: Predictor,
    data: bytes,
    *,
    strokes: Sequence[Sequence[tuple[float, float]]] | None = None,
    max_digits: int = MAX_DIGITS,
) -> NumberReading:
    """Find and read every digit of the number drawn in `data` (strokes in its pixels)."""
    size = _checked_size(data)
    image = decode_image(data, max_pixels=MAX_PIXELS, work_side=WORK_SIDE)
    scale = max(size) / max(image.size)  # what decoding shrank
    (left, top), ink = ink_map(image)
    if strokes:
        strokes = [[(x / scale - left, y / scale - top) for x, y in s] for s in strokes]
    found = segment(ink, confidence_scorer(predictor), max_digits=max_digits, strokes=strokes)
    crops = [digit_png(digit.ink) for digit in found]
    readings = predictor.predict_inputs([preprocess(crop) for crop in crops])
    digits = tuple(
        DigitReading(_scaled(digit.box, left, top, scale), crop, reading)
        for digit, crop, reading in zip(found, crops, readings, strict=True)
    )
    return NumberReading(digits, predictor.version, size, Image.MIME.get(image.format or "", ""))


def _checked_size(data: bytes) -> tuple[int, int]:
    """Refuse, from the header alone, an image wider or higher than a number's limits."""
    width, height = declared_size(data)
    if width > MAX_WIDTH or height > MAX_HEIGHT:
        raise ImageTooLargeError(
            ERROR_TOO_LARGE.format(
                width=width,
                height=height,
                max_width=MAX_WIDTH,
                max_height=MAX_HEIGHT,
                limit=MAX_PIXELS,
            )
        )
    return width, height


def _scaled(box, left: int, top: int, scale: float) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = box
    return (
        round((x0 + left) * scale),
        round((y0 + top) * scale),
        round((x1 + left) * scale),
        round((y1 + top) * scale),
    )


def digit_png(ink: np.ndarray) -> bytes:
    """Return one digit's ink as a canvas-like PNG: dark ink on transparency, with a margin."""
    longest = max(ink.shape) * (1 + 2 * CROP_MARGIN) + 2
    if longest > CROP_SIDE:
        # A stored digit needs no more pixels than a one-digit drawing may have.
        scale = CROP_SIDE / longest
        size = (max(1, int(ink.shape[1] * scale)), max(1, int(ink.shape[0] * scale)))
        ink = np.asarray(Image.fromarray(ink.astype(np.float32)).resize(size, Image.BOX))
    height, width = ink.shape
    side = round(max(height, width) * (1 + 2 * CROP_MARGIN)) + 2
    alpha = np.zeros((side, side), dtype=np.uint8)
    top, left = (side - height) // 2, (side - width) // 2
    alpha[top : top + height, left : left + width] = to_uint8(ink)
    rgba = np.zeros((side, side, 4), dtype=np.uint8)
    rgba[..., 0:3] = 17  # the canvas's ink colour
    rgba[..., 3] = alpha
    buffer = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buffer, format="PNG")
    return buffer.getvalue()


def confidence_scorer(predictor: Predictor) -> Scorer:
    """Return a scorer: how likely each ink crop is one digit, by the served model."""

    def score(crops: list[np.ndarray]) -> np.ndarray:
        inputs, readable = [], []
        for crop in crops:
            try:
                inputs.append(normalize_digit(crop))
                readable.append(True)
            except PreprocessingError:
                readable.append(False)
        confidence = np.zeros(len(crops))
        if inputs:
            outputs = predictor.probabilities(np.stack(inputs))
            tempered = calibrated(outputs, predictor.calibration.temperature)
            confidence[np.array(readable)] = tempered[:, :NOT_A_DIGIT].max(axis=1)
        return confidence

    return score
