"""Finding and reading the digits of a drawn number, through the real model."""

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw
from scipy import ndimage

from ml.inference import Predictor, resolve_model_dir
from ml.number_eval import MERGED, MISREAD, REFUSED, SPLIT, NumberReport, edit_distance
from ml.number_synth import DrawnNumber
from ml.numbers import CROP_SIDE, digit_png, read_number
from ml.preprocessing import EmptyDrawingError, preprocess
from ml.segmentation import TooManyDigitsError, segment
from tests.conftest import number_of, number_png

SHIPPED = "models"


@pytest.fixture(scope="module")
def predictor():
    return Predictor(resolve_model_dir(SHIPPED))


def _sketch(strokes, size=(600, 200), width=14) -> bytes:
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    for stroke in strokes:
        draw.line(stroke, fill=0, width=width, joint="curve")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("indices", [[0, 1], [2, 3, 4], [5, 6, 7, 8, 9, 10]])
def test_read_number_reads_every_digit_left_to_right(predictor, indices):
    number = read_number(predictor, number_png(indices, seed=len(indices)))
    assert number.number == number_of(indices)
    lefts = [digit.box[0] for digit in number.digits]
    assert lefts == sorted(lefts)


def test_read_number_stores_each_digit_as_its_own_canvas_png(predictor):
    number = read_number(predictor, number_png([0, 1, 2]))
    for digit in number.digits:
        again = preprocess(digit.crop)  # the one preprocessing: the crop reads as it was read
        assert np.array_equal(again.pixels, digit.reading.model_input.pixels)


def test_read_number_gives_boxes_in_the_pixels_of_a_large_image(predictor):
    indices = [0, 1, 2, 3, 4, 5, 6, 7]
    small = Image.open(io.BytesIO(number_png(indices))).convert("RGBA")
    large = small.resize((small.width * 4096 // small.width, small.height * 4096 // small.width))
    buffer = io.BytesIO()
    large.save(buffer, format="PNG")
    number = read_number(predictor, buffer.getvalue())
    assert number.number == number_of(indices) and number.size == large.size
    right = max(digit.box[2] for digit in number.digits)
    assert large.width * 0.6 < right <= large.width


def test_a_bar_drawn_apart_belongs_to_its_digit(predictor):
    # A 5 whose top bar was drawn as its own stroke, not touching the rest; then a 1.
    five = [
        [(70, 40), (70, 95), (110, 85), (130, 110), (120, 150), (70, 160)],
        [(78, 40), (135, 40)],
    ]
    one = [[(230, 40), (230, 160)]]
    number = read_number(predictor, _sketch(five + one))
    assert number.number == "51"


@pytest.mark.parametrize(("indices", "seed"), [([1, 3], 0), ([0, 1], 1)])
def test_touching_digits_are_cut_apart(predictor, indices, seed):
    png = number_png(indices, seed=seed, touch_share=1.0)
    ink = np.asarray(Image.open(io.BytesIO(png)).getchannel("A")) > 25
    assert ndimage.label(ink, structure=np.ones((3, 3)))[1] == 1  # one piece of ink
    assert read_number(predictor, png).number == number_of(indices)


def test_a_one_leaning_on_a_five_is_two_digits(predictor):
    # The 1's foot runs into the 5's bowl: one piece of ink, no upright column between them.
    five = [
        [(60, 40), (130, 40)],
        [(62, 40), (60, 95), (100, 85), (125, 110), (115, 150), (60, 160)],
    ]
    one = [(165, 40), (122, 150)]
    png = _sketch([*five, one])
    ink = np.asarray(Image.open(io.BytesIO(png)).convert("L")) < 128
    assert ndimage.label(ink, structure=np.ones((3, 3)))[1] == 1
    assert read_number(predictor, png).number == "51"


def test_a_one_drawn_with_a_thick_pen_is_one_digit(predictor):
    # A stroke a third as wide as it is tall: cut down the middle it reads as two thin 1s.
    two = [(40, 60), (70, 40), (100, 60), (45, 160), (105, 160)]
    png = _sketch([two, [(180, 45), (180, 155)]], width=34)
    assert read_number(predictor, png).number == "21"


def test_read_number_refuses_a_line_as_wide_as_many_digits_at_once(predictor):
    # One wave across a wide image: a scrawl, not a number, and refused before any reading.
    wave = [(x, 150 + 100 * np.sin(x / 37)) for x in range(20, 3980, 4)]
    png = _sketch([wave], size=(4000, 300), width=12)
    with pytest.raises(TooManyDigitsError, match="18 digits or more; a number may have at most 12"):
        read_number(predictor, png)


def test_digit_png_shrinks_a_huge_digit_to_a_drawing_preprocessing_accepts():
    ink = np.zeros((1700, 300), dtype=np.float32)
    ink[:, 100:200] = 1.0
    crop = Image.open(io.BytesIO(digit_png(ink)))
    assert crop.size == (CROP_SIDE, CROP_SIDE)
    assert preprocess(digit_png(ink)).pixels.shape == (28, 28)


def test_a_stroke_sent_with_the_image_is_never_cut(predictor):
    # One long wavy stroke, as wide as three digits: cut by pixels, kept whole by strokes.
    stroke = [(40 + 20 * i, 60 if i % 2 else 140) for i in range(22)]
    png = _sketch([stroke], size=(600, 200))
    with_strokes = read_number(predictor, png, strokes=[stroke])
    assert len(with_strokes.digits) == 1


def test_strokes_part_digits_whose_ink_touches(predictor):
    # A 1 then a 7 drawn so close that their ink runs together; the strokes tell them apart.
    one = [(100, 40), (100, 160)]
    seven = [(104, 45), (170, 45), (125, 160)]
    png = _sketch([one, seven])
    assert read_number(predictor, png, strokes=[one, seven]).number == "17"


def test_segment_refuses_too_many_digits_before_reading_any():
    ink = np.zeros((60, 20 * 30), dtype=np.float32)
    for i in range(30):
        ink[10:50, 20 * i + 5 : 20 * i + 9] = 1.0

    def never(crops):
        raise AssertionError("read a digit")

    with pytest.raises(TooManyDigitsError, match="30 digits or more; a number may have at most 12"):
        segment(ink, never, max_digits=12)


def test_segment_refuses_no_ink():
    with pytest.raises(EmptyDrawingError):
        segment(
            np.zeros((50, 200), dtype=np.float32), lambda crops: np.ones(len(crops)), max_digits=3
        )


def test_edit_distance_counts_digits_added_dropped_and_changed():
    assert edit_distance("2026", "2026") == 0
    assert edit_distance("2026", "226") == 1
    assert edit_distance("2026", "20026") == 1
    assert edit_distance("2026", "2027") == 1
    assert edit_distance("2026", "") == 4


def test_number_report_sorts_what_went_wrong():
    report = NumberReport()
    drawn = DrawnNumber(b"", "2026", touching=1, indices=(0, 1, 2, 3))
    for read in ("2026", "226", "20126", "2027", None):
        report.add(drawn, read)
    assert report.whole_accuracy == 0.2
    assert dict(report.errors) == {MERGED: 1, SPLIT: 1, MISREAD: 1, REFUSED: 1}
    assert report.digit_accuracy == 1 - (0 + 1 + 1 + 1 + 4) / 20
    assert report.touching == [1, 5]
