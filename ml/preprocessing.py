"""Turn any drawing into the 28x28 input the model expects, the way MNIST was made.

One path for training, serving and evaluation: decode -> ink map -> normalize_digit.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ml.config import SIDE

DIGIT_BOX = 20  # MNIST fits each digit's longer side into 20 px ...
CENTER = 14.0  # ... and puts its centre of mass at pixel (14, 14), as measured on MNIST.
ALLOWED_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP")
MAX_PIXELS = 2048 * 2048  # refused from the header, before a pixel is decoded
# Larger drawings are shrunk (a box filter, in C) before any float work: a 28x28 result
# needs no more, and a 2048 px PNG then costs its decode and little else.
WORK_SIDE = 512
REDUCIBLE_MODES = ("L", "LA", "RGB", "RGBA", "I", "F")
MIN_CONTRAST = 0.1  # ink must differ from the background by 10 % of full scale
NOISE_FLOOR = 0.05  # of the ink contrast: JPEG ringing and paper texture are not ink
BBOX_THRESHOLD = 0.1
MIN_EXTENT = 0.04  # of the image's longer side: anything smaller is a speck
DOT_FILL = 0.7  # a roundish blob filling its box this much is a tap, not a digit
DOT_ASPECT = 1.5
DOT_MAX_EXTENT = 0.15  # of the longer side: a tap is pen-sized; a bold digit is bigger

ERROR_EMPTY_FILE = "The image file is empty."
ERROR_NOT_IMAGE = "The file is not a PNG, JPEG, WebP, GIF or BMP image."
ERROR_CORRUPT = "The image is damaged or truncated and cannot be decoded."
ERROR_TOO_LARGE = "The image is {width}x{height} pixels; the limit is {limit} pixels in all."
ERROR_BOMB = "The image declares more pixels than allowed (a decompression bomb?)."
ERROR_EMPTY_DRAWING = "The drawing is empty: draw a digit first."
ERROR_TOO_SMALL = "The drawing is too small or just a dot: draw a whole digit."


class PreprocessingError(ValueError):
    """An image that cannot become a model input; `code` is stable for API clients."""

    code = "invalid_image"


class InvalidImageError(PreprocessingError):
    code = "invalid_image"


class ImageTooLargeError(PreprocessingError):
    code = "image_too_large"


class EmptyDrawingError(PreprocessingError):
    code = "empty_drawing"


@dataclass(frozen=True)
class ModelInput:
    """The 28x28 float32 image in [0, 1] (ink = 1) that the model sees."""

    pixels: np.ndarray
    mime_type: str = ""  # of the image it was made from, when it came from bytes

    @classmethod
    def from_bytes(cls, data: bytes) -> ModelInput:
        """Return a stored input (`to_bytes`'s 784 grey levels) as the model sees it."""
        return cls(from_uint8(np.frombuffer(data, dtype=np.uint8).reshape(SIDE, SIDE)))

    def to_bytes(self) -> bytes:
        """Return the 784 grey levels as bytes, row by row."""
        return to_uint8(self.pixels).tobytes()

    def to_png(self, scale: int = 1) -> bytes:
        """Return what the model saw as a PNG, optionally enlarged without smoothing."""
        image = Image.fromarray(to_uint8(self.pixels), mode="L")
        if scale > 1:
            image = image.resize((SIDE * scale, SIDE * scale), Image.Resampling.NEAREST)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()


def to_uint8(pixels: np.ndarray) -> np.ndarray:
    """Return [0, 1] floats as 0..255 grey levels."""
    return np.round(np.clip(pixels, 0.0, 1.0) * 255).astype(np.uint8)


def from_uint8(levels: np.ndarray) -> np.ndarray:
    """Return stored 0..255 grey levels (a saved model input) as the model's [0, 1] floats."""
    return np.asarray(levels, dtype=np.float32) / 255.0


def preprocess(data: bytes, *, max_pixels: int = MAX_PIXELS) -> ModelInput:
    """Turn encoded image bytes into the model's 28x28 input."""
    image = decode_image(data, max_pixels=max_pixels)
    _, ink = _boxed_ink_map(image)
    pixels = normalize_digit(ink, extent=max(image.size))
    return ModelInput(pixels, Image.MIME.get(image.format or "", ""))


def preprocess_array(pixels: np.ndarray) -> ModelInput:
    """Normalize an ink array (uint8 0..255 or float 0..1, ink bright) like `preprocess`."""
    ink = np.asarray(pixels, dtype=np.float32)
    if np.issubdtype(np.asarray(pixels).dtype, np.integer):
        ink = ink / 255.0
    return ModelInput(normalize_digit(ink))


def preprocess_images(images: np.ndarray) -> np.ndarray:
    """Normalize many ink arrays at once: (n, h, w) -> (n, 28, 28) float32."""
    return np.stack([preprocess_array(image).pixels for image in images])


def declared_pixels(data: bytes) -> int:
    """Return how many pixels an image's header declares (0 when it is not a readable image)."""
    width, height = declared_size(data)
    return width * height


def declared_size(data: bytes) -> tuple[int, int]:
    """Return the width and height an image's header declares ((0, 0) when unreadable)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS).size
    except Exception:
        return 0, 0


def decode_image(
    data: bytes, *, max_pixels: int = MAX_PIXELS, work_side: int = WORK_SIDE
) -> Image.Image:
    """Decode bytes to a Pillow image, refusing non-images, damage and bombs."""
    if not data:
        raise InvalidImageError(ERROR_EMPTY_FILE)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLargeError(ERROR_BOMB) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InvalidImageError(ERROR_NOT_IMAGE) from exc
    # Check the declared size before decoding a single pixel.
    if image.width * image.height > max_pixels:
        raise ImageTooLargeError(
            ERROR_TOO_LARGE.format(width=image.width, height=image.height, limit=max_pixels)
        )
    try:
        image.draft(None, (work_side, work_side))  # JPEG decodes at 1/2-1/8 scale; others ignore
        image.load()
        upright = _reduced(image, work_side)
        ImageOps.exif_transpose(upright, in_place=True)  # no copy when nothing turns
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise InvalidImageError(ERROR_CORRUPT) from exc
    upright.format = image.format
    return upright


def _reduced(image: Image.Image, work_side: int) -> Image.Image:
    factor = max(image.size) // work_side
    if factor < 2:
        return image
    if image.mode.startswith("I;16"):
        image = image.convert("I")
    elif image.mode not in REDUCIBLE_MODES:
        image = image.convert("RGBA")
    return image.reduce(factor)


def ink_map(image: Image.Image) -> tuple[tuple[int, int], np.ndarray]:
    """Return where the drawing's ink starts in `image` (left, top), and its ink map there."""
    box, ink = _boxed_ink_map(image)
    return (box[0], box[1]) if box else (0, 0), ink


def _boxed_ink_map(image: Image.Image) -> tuple[tuple[int, int, int, int] | None, np.ndarray]:
    """Return (box, the ink map inside it); outside the box there is no ink (None: no box).

    Strokes on transparency, clear of the edges (a canvas drawing), leave every pixel
    outside the strokes' box the background itself: its ink is 0 and the edges' median is
    that background. The float work is then done on the box alone, with the same result.
    """
    if image.mode == "RGBA":
        box = image.getchannel("A").getbbox()
        if box is not None and _clear_of_edges(box, image.size):
            luma, alpha = _layers(image.crop(box))
            background = _underlay(luma, alpha, pixels=image.width * image.height)
            return box, _ink(_blend(luma, alpha, background), background)
    gray = _composite_gray(image)
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return None, _ink(gray, float(np.median(border)))


def _clear_of_edges(box: tuple[int, int, int, int], size: tuple[int, int]) -> bool:
    left, top, right, bottom = box
    return left > 0 and top > 0 and right < size[0] and bottom < size[1]


def _ink(gray: np.ndarray, background: float) -> np.ndarray:
    darker, lighter = background - gray, gray - background
    # Ink is whichever side of the background reaches furthest: dark, light or coloured.
    # Both reach 0 at least: the background itself (outside the box, when given a box).
    dark, light = max(float(darker.max()), 0.0), max(float(lighter.max()), 0.0)
    ink, contrast = (darker, dark) if dark >= light else (lighter, light)
    if contrast < MIN_CONTRAST:
        raise EmptyDrawingError(ERROR_EMPTY_DRAWING)
    floor = NOISE_FLOOR * contrast
    return np.clip((ink - floor) / (contrast - floor), 0.0, 1.0).astype(np.float32)


def _composite_gray(image: Image.Image) -> np.ndarray:
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        gray = np.asarray(image, dtype=np.float32)
        return gray / max(float(gray.max()), 1.0)
    luma, alpha = _layers(image if image.mode == "RGBA" else image.convert("RGBA"))
    if alpha.min() == 255:
        return luma.astype(np.float32) / 255.0
    if alpha.max() == 0:
        raise EmptyDrawingError(ERROR_EMPTY_DRAWING)
    return _blend(luma, alpha, _underlay(luma, alpha, pixels=alpha.size))


def _layers(rgba: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    # Pillow's L conversion is the same ITU-R 601 luma, done in C (a third of the time).
    return np.asarray(rgba.convert("L")), np.asarray(rgba.getchannel("A"))


def _underlay(luma: np.ndarray, alpha: np.ndarray, *, pixels: int) -> float:
    """Return the background to lay transparent pixels on: 0 (black) or 1 (white)."""
    # A canvas sends ink as alpha over transparency (convert("L") would drop it): lay
    # mostly-transparent images on whichever background contrasts with the ink. Whole
    # numbers, so that the sums do not depend on which pixels are summed (all, or a box).
    opacity = int(alpha.sum(dtype=np.int64))
    visible = int((luma.astype(np.int64) * alpha).sum()) / (255 * opacity)
    mostly_transparent = opacity < 0.5 * 255 * pixels
    return 0.0 if mostly_transparent and visible >= 0.5 else 1.0


def _blend(luma: np.ndarray, alpha: np.ndarray, background: float) -> np.ndarray:
    gray = luma.astype(np.float32) / 255.0
    opacity = alpha.astype(np.float32) / 255.0
    return gray * opacity + background * (1.0 - opacity)


def normalize_digit(ink: np.ndarray, *, extent: int | None = None) -> np.ndarray:
    """Crop to the ink, fit the longer side to 20 px, centre by mass in 28x28.

    `extent` is the longer side of the whole drawing when `ink` is only the box around it.
    """
    mask = ink > BBOX_THRESHOLD
    if not mask.any():
        raise EmptyDrawingError(ERROR_EMPTY_DRAWING)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    height, width = bottom - top, right - left
    _reject_specks(mask[top:bottom, left:right], extent or max(ink.shape))
    scale = DIGIT_BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    crop = Image.fromarray(np.ascontiguousarray(ink[top:bottom, left:right]), mode="F")
    # Lanczos keeps the anti-aliased grey levels MNIST has; thresholds and bilinear lose them.
    patch = np.clip(np.asarray(crop.resize(size, Image.Resampling.LANCZOS)), 0.0, 1.0)
    return _place_by_mass(patch)


def _reject_specks(box: np.ndarray, extent: int) -> None:
    height, width = box.shape
    if max(height, width) < max(2, MIN_EXTENT * extent):
        raise EmptyDrawingError(ERROR_TOO_SMALL)
    roundish = max(height, width) / min(height, width) < DOT_ASPECT
    small = max(height, width) <= DOT_MAX_EXTENT * extent
    if roundish and small and box.mean() > DOT_FILL and extent > SIDE:
        raise EmptyDrawingError(ERROR_TOO_SMALL)


def _place_by_mass(patch: np.ndarray) -> np.ndarray:
    height, width = patch.shape
    total = float(patch.sum()) or 1.0
    row_mass = float((patch.sum(axis=1) * np.arange(height)).sum()) / total
    col_mass = float((patch.sum(axis=0) * np.arange(width)).sum()) / total
    top = int(np.clip(round(CENTER - row_mass), 0, SIDE - height))
    left = int(np.clip(round(CENTER - col_mass), 0, SIDE - width))
    field = np.zeros((SIDE, SIDE), dtype=np.float32)
    field[top : top + height, left : left + width] = patch
    return field
