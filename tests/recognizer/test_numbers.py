"""The numbers API: a whole number read, stored one drawing per digit, labelled digit by digit."""

import io

import numpy as np
import pytest
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from ml.numbers import MAX_WIDTH
from ml.segmentation import ERROR_BLOB
from recognizer.models import Drawing, LabelChange, Number, NumberDigit
from recognizer.numbers.services import ERROR_DIGIT_COUNT
from tests.conftest import api_as, number_of, number_png, set_visitor
from tests.factories import blank_png
from tests.helpers import assert_error, data_url

pytestmark = pytest.mark.django_db
NUMBERS = "/api/numbers/"
READ = "/api/numbers/read/"
YEAR = [1, 3, 1, 11]  # MNIST test digits 2, 0, 2, 6


@pytest.fixture(autouse=True)
def _full_allowance():
    """Each test starts and leaves with a full rate allowance: the limits have their own tests."""
    caches["default"].clear()
    yield
    caches["default"].clear()


def _png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def _stored_nothing():
    return not Number.objects.exists() and not Drawing.objects.exists()


def test_number_create_stores_one_drawing_per_digit(api_client):
    response = api_client.post(NUMBERS, {"image": data_url(number_png(YEAR))}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == number_of(YEAR) == "2026"
    assert [d["digit"] for d in body["digits"]] == [2, 0, 2, 6]
    assert response["Location"] == body["url"]
    lefts = [d["box"][0] for d in body["digits"]]
    assert lefts == sorted(lefts)
    number = Number.objects.get()
    assert number.digits.count() == 4 == Drawing.objects.count()
    for place, digit in zip(number.digits.order_by("position"), body["digits"], strict=True):
        assert digit["drawing"].endswith(f"/api/predictions/{place.drawing_id}/")
        assert place.drawing.prediction.digit == digit["digit"]
        assert Image.open(io.BytesIO(bytes(place.drawing.image))).format == "PNG"


def test_number_digits_are_drawings_in_the_list_and_the_review_queue(api_client, reviewer):
    api_client.post(NUMBERS, {"image": data_url(number_png(YEAR))}, format="json")
    assert api_client.get("/api/predictions/").json()["count"] == 4
    queue = api_as(reviewer).get("/api/review/queue/").json()
    assert queue["count"] == 4


def test_number_read_stores_nothing_and_gives_boxes(api_client):
    png = number_png([0, 2, 3])
    response = api_client.post(READ, {"image": data_url(png)}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["number"] == number_of([0, 2, 3])
    width, height = Image.open(io.BytesIO(png)).size
    assert (body["width"], body["height"]) == (width, height)
    for digit in body["digits"]:
        left, top, right, bottom = digit["box"]
        assert 0 <= left < right <= width and 0 <= top < bottom <= height
    assert _stored_nothing()


def test_number_create_takes_a_multipart_upload_and_keeps_its_type(api_client):
    buffer = io.BytesIO()
    Image.open(io.BytesIO(number_png(YEAR, encoding="dark_on_light"))).save(buffer, format="JPEG")
    upload = SimpleUploadedFile("year.jpg", buffer.getvalue(), content_type="image/jpeg")
    response = api_client.post(NUMBERS, {"image": upload, "source": "upload"}, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["source"] == "upload"
    assert api_client.get(response.json()["image_url"])["Content-Type"] == "image/jpeg"


def test_number_create_with_a_key_is_stored_once(api_client):
    body = {"image": data_url(number_png(YEAR))}
    first = api_client.post(NUMBERS, body, format="json", HTTP_IDEMPOTENCY_KEY="year-1")
    again = api_client.post(NUMBERS, body, format="json", HTTP_IDEMPOTENCY_KEY="year-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Number.objects.count() == 1 and Drawing.objects.count() == 4
    other = {"image": data_url(number_png([0, 2]))}
    reused = api_client.post(NUMBERS, other, format="json", HTTP_IDEMPOTENCY_KEY="year-1")
    assert_error(reused, 422, "idempotency_key_reused")


def test_number_feedback_labels_every_digit_through_the_trail(client):
    set_visitor(client, "drawer")
    created = client.post(
        NUMBERS, {"image": data_url(number_png(YEAR))}, content_type="application/json"
    ).json()
    response = client.patch(created["url"], {"digits": "2027"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert [d["label"] for d in response.json()["digits"]] == [2, 0, 2, 7]
    labels = [place.drawing.label for place in NumberDigit.objects.order_by("position")]
    assert labels == [2, 0, 2, 7]
    assert LabelChange.objects.filter(source="feedback").count() == 4
    wrong = Drawing.objects.get(number_digit__position=3)
    assert wrong.drawer_label == 7 and not wrong.read_right


def test_number_feedback_changes_only_the_digits_that_differ(client):
    set_visitor(client, "drawer")
    url = client.post(
        NUMBERS, {"image": data_url(number_png(YEAR))}, content_type="application/json"
    ).json()["url"]
    client.patch(url, {"digits": "2026"}, content_type="application/json")
    response = client.patch(url, {"digits": "2028"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert LabelChange.objects.count() == 5  # four answers, one of them changed once


@pytest.mark.parametrize("digits", ["202", "20266", "2O26", ""])
def test_number_feedback_with_the_wrong_digits_is_refused(client, digits):
    set_visitor(client, "drawer")
    url = client.post(
        NUMBERS, {"image": data_url(number_png(YEAR))}, content_type="application/json"
    ).json()["url"]
    response = client.patch(url, {"digits": digits}, content_type="application/json")
    assert response.status_code in (400, 422), response.content
    if len(digits) in (3, 5):
        assert_error(response, 422, "digit_count", ERROR_DIGIT_COUNT.split("{")[0])
    assert not LabelChange.objects.exists()


def test_number_feedback_from_someone_else_is_refused(client, api_client):
    set_visitor(client, "drawer")
    url = client.post(
        NUMBERS, {"image": data_url(number_png(YEAR))}, content_type="application/json"
    ).json()["url"]
    set_visitor(api_client, "stranger")
    assert api_client.patch(url, {"digits": "2026"}, format="json").status_code == 404
    assert not LabelChange.objects.exists()


def test_number_list_and_detail_show_only_your_own(client, api_client, reviewer):
    set_visitor(client, "drawer")
    created = client.post(
        NUMBERS, {"image": data_url(number_png(YEAR))}, content_type="application/json"
    ).json()
    assert client.get(NUMBERS).json()["count"] == 1
    assert client.get(created["url"]).json()["number"] == "2026"
    assert client.get(f"{created['url']}image/")["Content-Type"] == "image/png"
    set_visitor(api_client, "stranger")
    assert api_client.get(NUMBERS).json()["count"] == 0
    assert api_client.get(created["url"]).status_code == 404
    assert api_as(reviewer).get(NUMBERS).json()["count"] == 1


def _scrawl(count: int) -> bytes:
    """`count` short vertical strokes side by side: a 40-digit scrawl."""
    pixels = np.full((120, 30 * count + 40), 255, dtype=np.uint8)
    for i in range(count):
        pixels[20:100, 20 + 30 * i : 26 + 30 * i] = 0
    return _png(pixels)


def _blob() -> bytes:
    pixels = np.full((400, 900), 255, dtype=np.uint8)
    yy, xx = np.mgrid[:400, :900]
    pixels[(yy - 200) ** 2 + (xx - 450) ** 2 < 170**2] = 0
    return _png(pixels)


def _wave() -> bytes:
    """One line waving across a 4000 px image: as wide as 18 digits, and never cut."""
    image = Image.new("L", (4000, 300), 255)
    wave = [(x, 150 + 100 * np.sin(x / 37)) for x in range(20, 3980, 4)]
    ImageDraw.Draw(image).line(wave, fill=0, width=12)
    return _png(np.asarray(image))


def _wide(width: int) -> bytes:
    pixels = np.full((40, width), 255, dtype=np.uint8)
    pixels[10:30, 10:14] = 0
    return _png(pixels)


@pytest.mark.parametrize("url", [NUMBERS, READ])
@pytest.mark.parametrize(
    ("image", "status", "code", "message"),
    [
        (lambda: blank_png(400), 422, "empty_drawing", "empty"),
        (_blob, 422, "not_digits", ERROR_BLOB),
        (lambda: _scrawl(40), 422, "too_many_digits", "at most 12"),
        (_wave, 422, "too_many_digits", "18 digits or more"),
        (lambda: _wide(10_000), 413, "image_too_large", f"at most {MAX_WIDTH} px wide"),
        (lambda: b"not an image", 400, "invalid_image", None),
    ],
    ids=["empty", "blob", "40-digit-scrawl", "one-long-wave", "10000-px-wide", "not-an-image"],
)
def test_number_bad_input_is_a_clear_4xx_and_stores_nothing(
    api_client, url, image, status, code, message
):
    response = api_client.post(url, {"image": data_url(image())}, format="json")
    assert_error(response, status, code, message)
    assert _stored_nothing()


@pytest.mark.parametrize(
    "strokes",
    ["not json", [[]], [[[1, 2, 3]]], [[["a", 1]]], [[[1, None]]], [[[0, 0]]] * 201],
)
def test_number_bad_strokes_are_refused(api_client, strokes):
    body = {"image": data_url(number_png(YEAR)), "strokes": strokes}
    response = api_client.post(NUMBERS, body, format="json")
    assert_error(response, 400, response.json()["error"]["code"])
    assert "strokes" in response.json()["error"]["message"]
    assert _stored_nothing()


def test_number_strokes_far_off_the_image_are_read_not_refused(api_client):
    strokes = [[[-1e300, 5], [1e300, 1e300]], [[40, 40]]]
    body = {"image": data_url(number_png(YEAR)), "strokes": strokes}
    response = api_client.post(READ, body, format="json")
    assert response.status_code == 200, response.content
