import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ml import preprocessing as pp
from ml.synth import render_canvas

ENCODINGS = ["transparent", "dark_on_light", "light_on_dark", "coloured"]


def encode(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def reference(mnist_test, index: int) -> np.ndarray:
    return pp.preprocess_array(mnist_test.images[index]).pixels


def centre_of_mass(pixels: np.ndarray) -> tuple[float, float]:
    total = pixels.sum()
    rows, cols = np.indices(pixels.shape)
    return float((rows * pixels).sum() / total), float((cols * pixels).sum() / total)


def test_preprocess_array_keeps_mnist_digits_as_they_are(mnist_test):
    # MNIST was made this way, so normalizing its digits again changes almost nothing.
    originals = mnist_test.images[:300].astype(np.float32) / 255
    again = np.stack([pp.preprocess_array(image).pixels for image in mnist_test.images[:300]])
    assert np.abs(again - originals).mean() < 0.002


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_preprocess_reads_every_canvas_encoding_like_mnist(mnist_test, encoding):
    for index in range(10):
        png = render_canvas(mnist_test.images[index], np.random.default_rng(index), encoding)
        pixels = pp.preprocess(png).pixels
        assert pixels.shape == (28, 28) and pixels.dtype == np.float32
        assert 0.0 <= pixels.min() and pixels.max() <= 1.0
        assert np.abs(pixels - reference(mnist_test, index)).mean() < 0.06


def test_preprocess_keeps_alpha_ink_that_convert_l_would_lose(mnist_test):
    png = render_canvas(mnist_test.images[0], np.random.default_rng(0), "transparent")
    # The trap: convert("L") drops alpha and transparent black ink becomes all black.
    assert np.asarray(Image.open(io.BytesIO(png)).convert("L")).std() == 0
    assert pp.preprocess(png).pixels.std() > 0.2


def test_preprocess_reads_white_ink_on_transparency(mnist_test):
    ink = np.zeros((280, 280, 4), dtype=np.uint8)
    ink[..., :3] = 255
    ink[40:240, 60:220, 3] = np.asarray(
        Image.fromarray(mnist_test.images[0]).resize((160, 200), Image.Resampling.BICUBIC)
    )
    pixels = pp.preprocess(encode(Image.fromarray(ink, "RGBA"))).pixels
    assert np.abs(pixels - reference(mnist_test, 0)).mean() < 0.08


@pytest.mark.parametrize("colour", [(0, 0, 0), (255, 255, 255), (200, 30, 60)])
def test_ink_map_of_strokes_on_transparency_is_the_whole_image_one(mnist_test, colour):
    # The strokes' box alone is worked on when the strokes are clear of the edges; a faint
    # speck in a corner makes the whole image the box, and must change nothing.
    ink = np.zeros((280, 280, 4), dtype=np.uint8)
    ink[..., :3] = colour
    ink[40:240, 60:220, 3] = np.asarray(
        Image.fromarray(mnist_test.images[3]).resize((160, 200), Image.Resampling.BICUBIC)
    )
    strokes = Image.fromarray(ink, "RGBA")
    ink[0, 0, 3] = 1
    speck = Image.fromarray(ink, "RGBA")

    assert np.array_equal(
        pp.preprocess(encode(strokes)).pixels, pp.preprocess(encode(speck)).pixels
    )


def _placed(mnist_test, index: int, box: int, top: int, left: int, canvas: int) -> bytes:
    image = np.full((canvas, canvas), 255, dtype=np.uint8)
    digit = Image.fromarray(255 - mnist_test.images[index]).resize(
        (box, box), Image.Resampling.BICUBIC
    )
    image[top : top + box, left : left + box] = np.asarray(digit)
    return encode(Image.fromarray(image))


@pytest.mark.parametrize(
    ("box", "top", "left", "canvas"),
    [(120, 0, 0, 400), (120, 270, 270, 400), (40, 500, 20, 560), (560, 0, 0, 560)],
    ids=["top-left", "bottom-right", "tiny", "huge"],
)
def test_preprocess_centres_any_position_and_size(mnist_test, box, top, left, canvas):
    pixels = pp.preprocess(_placed(mnist_test, 3, box, top, left, canvas)).pixels
    row, col = centre_of_mass(pixels)
    assert abs(row - 14) <= 0.6 and abs(col - 14) <= 0.6
    rows = np.flatnonzero(pixels.max(axis=1) > pp.BBOX_THRESHOLD)
    cols = np.flatnonzero(pixels.max(axis=0) > pp.BBOX_THRESHOLD)
    assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 in (19, 20, 21)
    assert np.abs(pixels - reference(mnist_test, 3)).mean() < 0.06


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF", "BMP"])
def test_preprocess_accepts_common_formats(mnist_test, fmt):
    data = _placed(mnist_test, 1, 200, 40, 40, 280)
    image = Image.open(io.BytesIO(data)).convert("RGB" if fmt != "GIF" else "P")
    pixels = pp.preprocess(encode(image, fmt)).pixels
    assert np.abs(pixels - reference(mnist_test, 1)).mean() < 0.06


def test_preprocess_refuses_other_formats():
    with pytest.raises(pp.InvalidImageError, match="not a PNG"):
        pp.preprocess(encode(Image.new("L", (50, 50)), "TIFF"))


@pytest.mark.parametrize(
    "image",
    [
        Image.new("RGBA", (280, 280), (0, 0, 0, 0)),
        Image.new("L", (280, 280), 255),
        Image.new("RGB", (100, 100), (30, 90, 200)),
    ],
    ids=["transparent", "white", "one-colour"],
)
def test_preprocess_reports_empty_drawings(image):
    with pytest.raises(pp.EmptyDrawingError):
        pp.preprocess(encode(image))


@pytest.mark.parametrize("shape", ["speck", "dot"])
def test_preprocess_reports_specks_and_dots(shape):
    image = Image.new("L", (280, 280), 255)
    pixels = np.asarray(image).copy()
    size = 6 if shape == "speck" else 24  # a tap of a thick pen is a round blob
    yy, xx = np.ogrid[:280, :280]
    pixels[(yy - 140) ** 2 + (xx - 140) ** 2 <= (size / 2) ** 2] = 0
    with pytest.raises(pp.EmptyDrawingError, match="too small or just a dot"):
        pp.preprocess(encode(Image.fromarray(pixels)))


def test_preprocess_reads_bold_heavy_digits_that_fill_their_box():
    # A thick-pen 0 fills most of its box like a tap does, but it is digit-sized.
    image = Image.new("L", (280, 280), 255)
    draw = ImageDraw.Draw(image)
    draw.ellipse((80, 60, 200, 220), outline=0, width=50)
    assert pp.preprocess(encode(image)).pixels.max() > 0.9


def test_preprocess_refuses_corrupt_and_truncated_files(mnist_test):
    with pytest.raises(pp.InvalidImageError, match="empty"):
        pp.preprocess(b"")
    with pytest.raises(pp.InvalidImageError, match="not a PNG"):
        pp.preprocess(b"GIF89a but then nonsense")
    png = _placed(mnist_test, 0, 200, 40, 40, 280)
    with pytest.raises(pp.InvalidImageError, match="damaged or truncated"):
        pp.preprocess(png[: len(png) // 2])


def test_preprocess_refuses_decompression_bombs_before_decoding():
    bomb = encode(Image.new("1", (20000, 20000), 1))  # tiny file, 400 megapixels
    assert len(bomb) < 100_000
    with pytest.raises(pp.ImageTooLargeError):
        pp.preprocess(bomb)
    with pytest.raises(pp.ImageTooLargeError, match="limit is 10000 pixels"):
        pp.preprocess(encode(Image.new("L", (200, 200))), max_pixels=10_000)


def test_model_input_png_is_what_the_model_saw(mnist_test):
    model_input = pp.preprocess_array(mnist_test.images[0])
    image = Image.open(io.BytesIO(model_input.to_png()))
    assert image.size == (28, 28) and image.mode == "L"
    assert np.array_equal(np.asarray(image), pp.to_uint8(model_input.pixels))
    assert Image.open(io.BytesIO(model_input.to_png(scale=10))).size == (280, 280)
    assert len(model_input.to_bytes()) == 784


def test_preprocess_refuses_more_than_four_megapixels_from_the_header():
    huge = encode(Image.new("L", (4096, 4096), 255))
    with pytest.raises(pp.ImageTooLargeError, match="4096x4096 pixels; the limit is 4194304"):
        pp.preprocess(huge)


@pytest.mark.parametrize(("fmt", "mode"), [("PNG", "RGBA"), ("JPEG", "RGB"), ("GIF", "P")])
def test_large_drawings_are_reduced_before_float_work(mnist_test, fmt, mode):
    png = render_canvas(mnist_test.images[3], np.random.default_rng(3), "dark_on_light", size=2048)
    big = encode(Image.open(io.BytesIO(png)).convert(mode), fmt)
    assert max(pp.decode_image(big).size) < 2 * pp.WORK_SIDE
