"""The bad-input battery: whatever arrives, a 4xx with a JSON error, never a 500, no rows."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from recognizer.models import Drawing, LabelChange
from tests.factories import DrawingFactory, stroke_png
from tests.helpers import PREDICT, data_url

pytestmark = pytest.mark.django_db


def assert_json_error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] and error["message"]
    return error


def post_raw(client, body, content_type="application/json", path=PREDICT):
    return client.generic("POST", path, body, content_type=content_type)


def test_huge_json_body_is_413_and_stores_nothing(api_client, settings):
    body = json.dumps({"image": "A" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    assert_json_error(post_raw(api_client, body), 413)
    assert not Drawing.objects.exists()


@pytest.mark.parametrize("depth", [100, 100_000])
def test_deeply_nested_json_is_400(api_client, depth):
    body = "[" * depth + "]" * depth
    assert_json_error(
        post_raw(api_client, json.dumps({"image": "x"})[:-1] + f', "x": {body}}}'), 400
    )
    assert_json_error(post_raw(api_client, '{"image": ' + "{" * depth), 400)
    assert not Drawing.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("image=abc", "text/plain"),
        ("<image>abc</image>", "application/xml"),
        ('{"image": "abc"}', "application/x-www-form-urlencoded; charset=utf-7"),
        ("\x00\x01\x02", "application/octet-stream"),
        ("{}", "image/png"),
        ("{}", ""),
    ],
)
def test_wrong_content_types_are_4xx_json(api_client, body, content_type):
    response = post_raw(api_client, body, content_type)
    assert response.status_code in (400, 415)
    assert_json_error(response, response.status_code)
    assert not Drawing.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"image": "ｄａｔａ:image/png;base64,AAAA"},
        {"image": "🖼️" * 100},
        {"image": data_url(stroke_png()), "label": "٣"},  # an Arabic-Indic three
        {"image": data_url(stroke_png()), "label": "３"},  # a full-width three
        {"image": data_url(stroke_png()), "source": "cänvas"},
        {"image": data_url(stroke_png()), "source": "canvas\u0000"},
    ],
)
def test_unicode_in_fields_is_400(api_client, payload):
    assert_json_error(api_client.post(PREDICT, payload, format="json"), 400)
    assert not Drawing.objects.exists()


def test_invalid_utf8_body_is_400(api_client):
    assert_json_error(post_raw(api_client, b'{"image": "\xff\xfe"}'), 400)


@pytest.mark.parametrize("pk", ["-1", "0", "99999999999999999999", "1e3", "1;DROP TABLE x", "%00"])
@pytest.mark.parametrize("suffix", ["", "image/", "input/", "history/"])
def test_negative_huge_and_odd_ids_are_404_json(staff_client, pk, suffix):
    assert_json_error(staff_client.get(f"{PREDICT}{pk}/{suffix}"), 404)


@pytest.mark.parametrize("pk", ["-1", "99999999999999999999"])
def test_patch_of_impossible_ids_is_404_and_writes_nothing(staff_client, pk):
    response = staff_client.patch(f"{PREDICT}{pk}/", {"label": 3}, format="json")
    assert_json_error(response, 404)
    assert not LabelChange.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "model_version=' OR 1=1 --",
        "model_version=x'; DROP TABLE recognizer_drawing; --",
        "source=canvas' OR '1'='1",
        "digit=1 OR 1=1",
        "ordering=id;DELETE",
        "min_confidence=0 UNION SELECT 1",
        "created_after=2020-01-01'--",
    ],
)
def test_sql_ish_filters_are_harmless(staff_client, query):
    DrawingFactory()
    response = staff_client.get(f"{PREDICT}?{query}")
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json()["count"] == 0  # matched literally, not as SQL
    else:
        assert_json_error(response, 400)
    assert Drawing.objects.count() == 1


def test_oversized_multipart_is_413_and_stores_nothing(api_client, settings):
    upload = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * settings.MAX_IMAGE_BYTES)
    assert_json_error(api_client.post(PREDICT, {"image": upload}, format="multipart"), 413)
    assert not Drawing.objects.exists()


@override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=10)
def test_multipart_with_too_many_fields_is_4xx(api_client):
    fields = {f"f{n}": "x" for n in range(50)}
    response = api_client.post(PREDICT, fields, format="multipart")
    assert response.status_code in (400, 413)
    assert_json_error(response, response.status_code)


def test_batch_of_non_lists_and_huge_lists_is_400(api_client):
    for images in ["abc", {"a": 1}, [None], [[data_url(stroke_png())]], ["x"] * 10_000]:
        response = api_client.post(f"{PREDICT}batch/", {"images": images}, format="json")
        assert_json_error(response, 400)
    assert not Drawing.objects.exists()


@pytest.mark.parametrize("value", ["²", "٣", "0_7", "9" * 4000])
def test_history_page_ignores_odd_numbers(client, value):
    DrawingFactory()
    for name in ("digit", "page"):
        assert client.get("/history/", {name: value}).status_code == 200


@pytest.mark.parametrize("value", ["²", "٣", "0_7", "9" * 4000])
def test_input_scale_ignores_odd_numbers(staff_client, value):
    drawing = DrawingFactory()
    response = staff_client.get(f"{PREDICT}{drawing.pk}/input/", {"scale": value})
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


@pytest.mark.parametrize("value", ["²", "0_7", "٣", "7.5", True])
def test_label_refuses_what_int_would_read(api_client, value):
    response = api_client.post(
        PREDICT, {"image": data_url(stroke_png()), "label": value}, format="json"
    )
    assert assert_json_error(response, 400)["code"] == "invalid"
    assert not Drawing.objects.exists()


@pytest.mark.parametrize("value", ["²", "0_7"])
def test_digit_filter_refuses_what_int_would_read(staff_client, value):
    assert_json_error(staff_client.get(PREDICT, {"digit": value}), 400)


@pytest.mark.parametrize(
    "accept", ["text/html", "text/html,application/xhtml+xml", "image/png", "x/y;;q=="]
)
@pytest.mark.parametrize("path", ["/api/", PREDICT, "/api/stats/", PREDICT + "{pk}/"])
def test_any_accept_header_gets_json(staff_client, accept, path):
    drawing = DrawingFactory()
    response = staff_client.get(path.format(pk=drawing.pk), HTTP_ACCEPT=accept)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/json"


def test_accept_parameters_and_formats_still_count(staff_client):
    indented = staff_client.get("/api/stats/", HTTP_ACCEPT="application/json; indent=2")
    plain = staff_client.get("/api/stats/", HTTP_ACCEPT="text/html")
    assert indented.content.startswith(b'{\n  "') and b"\n" not in plain.content
    assert indented.json() == plain.json()
    assert staff_client.get("/api/stats/?format=json").status_code == 200
    assert staff_client.get("/api/stats/?format=xml").status_code == 404


def test_wrong_host_under_api_is_json(api_client, settings):
    settings.ALLOWED_HOSTS = ["digits.example.com"]
    response = api_client.get("/api/stats/", HTTP_HOST="evil.example.net")
    assert assert_json_error(response, 400)["code"] == "bad_request"
    page = api_client.get("/history/", HTTP_HOST="evil.example.net")
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")


def test_two_image_files_in_one_request_are_refused_naming_the_field(api_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from recognizer.models import Drawing
    from tests.factories import stroke_png

    files = [SimpleUploadedFile(f"{n}.png", stroke_png(n), "image/png") for n in (1, 2)]
    response = api_client.post("/api/predictions/", {"image": files}, format="multipart")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "repeated_field" and error["message"].startswith("image: sent 2 times")
    assert not Drawing.objects.exists()


def test_batch_takes_json_only(api_client):
    from tests.factories import stroke_png

    response = api_client.post(
        "/api/predictions/batch/", {"images": [stroke_png()]}, format="multipart"
    )
    assert response.status_code == 415
