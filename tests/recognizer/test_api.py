import base64
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image
from rest_framework.test import APIClient

from ml.preprocessing import ERROR_EMPTY_DRAWING, ERROR_NOT_IMAGE
from recognizer.drawings.idempotency import ERROR_IDEMPOTENCY_REUSED
from recognizer.drawings.labelling import (
    ERROR_FEEDBACK_FINAL,
    ERROR_FEEDBACK_GIVEN,
)
from recognizer.drawings.serializers import ERROR_BASE64
from recognizer.models import Drawing, LabelChange
from tests.factories import DrawingFactory, UserFactory, blank_png, stroke_png
from tests.helpers import BATCH, PREDICT, READ, assert_error, data_url

pytestmark = pytest.mark.django_db


def test_predict_json_data_url_returns_201_with_the_contract(api_client, digit_png, mnist_test):
    response = api_client.post(PREDICT, {"image": data_url(digit_png(0))}, format="json")
    assert response.status_code == 201
    body = response.json()
    expected = {
        "id",
        "url",
        "digit",
        "confidence",
        "probabilities",
        "model_version",
        "label",
        "source",
        "created_at",
        "image_url",
        "input_url",
    }
    assert expected <= body.keys()
    assert len(body["probabilities"]) == 10
    assert sum(body["probabilities"]) == pytest.approx(1, abs=1e-4)
    assert body["confidence"] == max(body["probabilities"])
    assert body["digit"] == body["probabilities"].index(body["confidence"])
    assert body["source"] == "api" and body["label"] is None
    assert response["Location"] == body["url"]
    assert Drawing.objects.get().prediction.digit == body["digit"]


def test_predict_accepts_bare_base64_and_multipart(api_client, digit_png):
    bare = base64.b64encode(digit_png(1)).decode()
    assert api_client.post(PREDICT, {"image": bare}, format="json").status_code == 201
    upload = SimpleUploadedFile("seven.png", digit_png(0), content_type="image/png")
    response = api_client.post(PREDICT, {"image": upload, "source": "upload"}, format="multipart")
    assert response.status_code == 201
    assert response.json()["source"] == "upload"
    assert Drawing.objects.count() == 2


def test_predict_with_label_stores_it(api_client, digit_png):
    response = api_client.post(
        PREDICT, {"image": data_url(digit_png(0)), "label": 7}, format="json"
    )
    assert response.json()["label"] == 7
    assert LabelChange.objects.get().source == "submitted"


def test_predict_image_and_input_endpoints_return_pngs(api_client, digit_png):
    png = digit_png(0)
    body = api_client.post(PREDICT, {"image": data_url(png)}, format="json").json()
    image = api_client.get(body["image_url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image.content == png
    seen = api_client.get(body["input_url"] + "?scale=4")
    assert seen["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(seen.content)).size == (112, 112)


@pytest.mark.parametrize(
    ("payload", "status", "code", "message"),
    [
        ({}, 400, "required", "image: This field is required."),
        ({"image": "@@@not base64@@@"}, 400, "invalid_base64", ERROR_BASE64),
        ({"image": "data:image/png,rawtext"}, 400, "invalid_base64", ERROR_BASE64),
        ({"image": 12}, 400, "invalid_type", "image:"),
        (
            {"image": base64.b64encode(b"hello, not an image").decode()},
            400,
            "invalid_image",
            ERROR_NOT_IMAGE,
        ),
        ({"image": data_url(stroke_png()), "label": 12}, 400, "max_value", "label:"),
        ({"image": data_url(stroke_png()), "label": "seven"}, 400, "invalid", "label:"),
        ({"image": data_url(stroke_png()), "source": "fax"}, 400, "invalid_choice", "source:"),
        ({"image": data_url(blank_png())}, 422, "empty_drawing", ERROR_EMPTY_DRAWING),
    ],
)
def test_predict_bad_input_is_a_clear_4xx_and_stores_nothing(
    api_client, payload, status, code, message
):
    response = api_client.post(PREDICT, payload, format="json")
    assert_error(response, status, code, message)
    assert Drawing.objects.count() == 0


def test_predict_truncated_png_is_400(api_client, digit_png):
    png = digit_png(0)
    response = api_client.post(PREDICT, {"image": data_url(png[: len(png) // 2])}, format="json")
    assert_error(response, 400, "invalid_image")
    assert Drawing.objects.count() == 0


def test_predict_malformed_json_is_400(api_client):
    response = api_client.post(PREDICT, '{"image": ', content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_predict_wrong_content_type_is_415(api_client):
    response = api_client.post(PREDICT, "image=abc", content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")


@override_settings(MAX_IMAGE_BYTES=2000)
def test_predict_oversized_image_is_413(api_client, digit_png):
    response = api_client.post(
        PREDICT, {"image": data_url(digit_png(0) + b"\0" * 3000)}, format="json"
    )
    assert_error(response, 413, "image_too_big", "limit is 2,000 bytes")
    upload = SimpleUploadedFile("big.png", b"\0" * 3000, content_type="image/png")
    assert_error(api_client.post(PREDICT, {"image": upload}), 413, "image_too_big")
    assert Drawing.objects.count() == 0


def test_predict_decompression_bomb_is_413(api_client):
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000), 1).save(buffer, format="PNG")  # ~50 KB, 400 megapixels
    response = api_client.post(PREDICT, {"image": data_url(buffer.getvalue())}, format="json")
    assert_error(response, 413, "image_too_large")
    assert Drawing.objects.count() == 0


def test_batch_predicts_and_stores_all(api_client, digit_png):
    images = [data_url(digit_png(i)) for i in range(4)]
    response = api_client.post(BATCH, {"images": images, "labels": [7, 2, None, 0]}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["count"] == 4
    assert [item["label"] for item in body["results"]] == [7, 2, None, 0]
    assert Drawing.objects.count() == 4


def test_batch_with_one_bad_image_names_it_and_stores_nothing(api_client, digit_png):
    images = [data_url(digit_png(0)), data_url(blank_png()), data_url(digit_png(2))]
    error = assert_error(
        api_client.post(BATCH, {"images": images}, format="json"), 422, "empty_drawing", "Image 1:"
    )
    assert error["index"] == 1
    assert Drawing.objects.count() == 0


@override_settings(MAX_BATCH_SIZE=3)
def test_batch_over_the_limit_is_400(api_client, digit_png):
    images = [data_url(stroke_png(i)) for i in range(4)]
    assert_error(
        api_client.post(BATCH, {"images": images}, format="json"),
        400,
        "batch_size",
        "1 to 3 images; this one has 4",
    )
    assert_error(api_client.post(BATCH, {"images": []}, format="json"), 400, "min_length")
    assert Drawing.objects.count() == 0


def test_batch_labels_must_match_images(api_client):
    payload = {"images": [data_url(stroke_png())], "labels": [1, 2]}
    assert_error(api_client.post(BATCH, payload, format="json"), 400, "labels_length")


def test_list_shows_only_own_drawings_to_visitors(api_client, digit_png):
    api_client.post(PREDICT, {"image": data_url(digit_png(0))}, format="json")
    DrawingFactory(session_key="someone-else")
    body = api_client.get(PREDICT).json()
    assert body["count"] == 1
    assert (
        api_client.get(
            f"{PREDICT}{Drawing.objects.get(session_key='someone-else').pk}/"
        ).status_code
        == 404
    )


def test_list_shows_everything_to_staff(staff_client):
    DrawingFactory.create_batch(3, session_key="a")
    assert staff_client.get(PREDICT).json()["count"] == 3


def test_token_clients_see_their_own_drawings(user, digit_png):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    created = client.post(PREDICT, {"image": data_url(digit_png(0))}, format="json").json()
    DrawingFactory(session_key="other")
    assert [item["id"] for item in client.get(PREDICT).json()["results"]] == [created["id"]]


def test_list_filters(staff_client):
    wrong = DrawingFactory(label=7, prediction__digit=1, prediction__confidence=0.55)
    right = DrawingFactory(label=1, prediction__digit=1, prediction__confidence=0.99)
    unlabelled = DrawingFactory(
        prediction__digit=4, prediction__confidence=0.7, prediction__model_version="v2"
    )

    def ids(query: str) -> list[int]:
        response = staff_client.get(PREDICT + "?" + query)
        assert response.status_code == 200, response.content
        return sorted(item["id"] for item in response.json()["results"])

    assert ids("misclassified=true") == [wrong.pk]
    assert ids("misclassified=false") == [right.pk]
    assert ids("reviewed=false") == [unlabelled.pk]
    assert ids("reviewed=true") == sorted([wrong.pk, right.pk])
    assert ids("digit=4") == [unlabelled.pk]
    assert ids("label=7") == [wrong.pk]
    assert ids("min_confidence=0.6&max_confidence=0.8") == [unlabelled.pk]
    assert ids("model_version=v2") == [unlabelled.pk]
    assert ids("created_after=2000-01-01T00:00:00Z") == sorted([wrong.pk, right.pk, unlabelled.pk])
    assert ids("created_after=2999-01-01T00:00:00Z") == []
    by_confidence = staff_client.get(PREDICT + "?ordering=confidence").json()["results"]
    assert [item["id"] for item in by_confidence] == [wrong.pk, unlabelled.pk, right.pk]
    newest_first = staff_client.get(PREDICT).json()["results"]
    assert [item["id"] for item in newest_first] == [unlabelled.pk, right.pk, wrong.pk]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("digit=abc", "invalid"),
        ("digit=12", "max_value"),
        ("min_confidence=2", "max_value"),
        ("created_after=yesterday", "invalid"),
        ("misclassified=maybe", "invalid_choice"),
        ("label=1%27%20OR%201=1", "invalid"),
        ("source=%3Cscript%3E", "invalid_choice"),
    ],
)
def test_list_bad_filters_are_400(staff_client, query, code):
    name = query.split("=")[0]
    error = assert_error(staff_client.get(PREDICT + "?" + query), 400, code, f"{name}:")
    assert name in error["fields"]


def test_feedback_can_be_changed_once_by_the_drawer_then_409(api_client, digit_png):
    body = api_client.post(PREDICT, {"image": data_url(digit_png(0))}, format="json").json()
    first = api_client.patch(body["url"], {"label": 1}, format="json")
    assert first.status_code == 200 and first.json()["label"] == 1
    second = api_client.patch(body["url"], {"label": 7}, format="json")
    assert second.status_code == 200 and second.json()["label"] == 7
    assert_error(
        api_client.patch(body["url"], {"label": 2}, format="json"),
        409,
        "already_labelled",
        ERROR_FEEDBACK_FINAL,
    )
    changes = LabelChange.objects.order_by("id")
    assert [(c.old_label, c.new_label, c.source) for c in changes] == [
        (None, 1, "feedback"),
        (1, 7, "feedback"),
    ]
    assert Drawing.objects.get().label == 7


def test_feedback_change_window_closes(api_client, digit_png, settings):
    body = api_client.post(PREDICT, {"image": data_url(digit_png(0))}, format="json").json()
    assert api_client.patch(body["url"], {"label": 1}, format="json").status_code == 200
    settings.FEEDBACK_CHANGE_SECONDS = 0
    response = api_client.patch(body["url"], {"label": 7}, format="json")
    assert_error(response, 409, "already_labelled", ERROR_FEEDBACK_FINAL)
    assert Drawing.objects.get().label == 1


def test_label_given_with_the_drawing_is_not_feedback_to_change(api_client, digit_png):
    payload = {"image": data_url(digit_png(0)), "label": 7}
    body = api_client.post(PREDICT, payload, format="json").json()
    response = api_client.patch(body["url"], {"label": 1}, format="json")
    assert_error(response, 409, "already_labelled", ERROR_FEEDBACK_GIVEN)


def test_staff_relabel_any_time_and_read_history(staff_client, api_client):
    drawing = DrawingFactory(session_key="v")
    url = f"{PREDICT}{drawing.pk}/"
    assert staff_client.patch(url, {"label": 3}, format="json").json()["label"] == 3
    assert staff_client.patch(url, {"label": 8}, format="json").json()["label"] == 8
    history = staff_client.get(url + "history/").json()
    assert [(h["old_label"], h["new_label"], h["changed_by"]) for h in history] == [
        (None, 3, "reviewer"),
        (3, 8, "reviewer"),
    ]
    assert api_client.get(url + "history/").status_code in (401, 403)


def test_patch_on_someone_elses_drawing_is_404(api_client):
    drawing = DrawingFactory(session_key="not-you")
    response = api_client.patch(f"{PREDICT}{drawing.pk}/", {"label": 1}, format="json")
    assert_error(response, 404, "not_found")
    assert Drawing.objects.get().label is None


@pytest.mark.parametrize("label", [-1, 10, None, "x"])
def test_patch_label_outside_0_9_is_400(staff_client, label):
    drawing = DrawingFactory()
    response = staff_client.patch(f"{PREDICT}{drawing.pk}/", {"label": label}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("label:")


@pytest.mark.parametrize("pk", ["0", "-1", "99999999999999999999", "abc"])
def test_detail_of_unknown_ids_is_404(staff_client, pk):
    assert staff_client.get(f"{PREDICT}{pk}/").status_code == 404


def test_stats_for_staff_cover_everything(staff_client):
    DrawingFactory(label=7, prediction__digit=1, prediction__model_version="a")
    DrawingFactory(label=1, prediction__digit=1, prediction__model_version="a")
    DrawingFactory(label=3, prediction__digit=3, prediction__model_version="b")
    DrawingFactory(
        prediction__digit=3, prediction__uncertain=True, prediction__uncertain_reason="ambiguous"
    )
    stats = staff_client.get("/api/stats/").json()
    assert (stats["total"], stats["labelled"], stats["correct"]) == (4, 3, 2)
    assert (stats["uncertain"], stats["not_a_digit"]) == (1, 0)
    assert stats["accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    assert stats["confusion_matrix"][7][1] == 1 and stats["confusion_matrix"][1][1] == 1
    assert stats["per_digit"][7] == {"digit": 7, "labelled": 1, "accuracy": 0.0}
    versions = {row["model_version"]: row["accuracy"] for row in stats["per_model_version"]}
    # Every version that read a drawing has a row; accuracy is null until one is labelled.
    assert versions == {"a": 0.5, "b": 1.0, "test-model": None}
    unsure = {row["model_version"]: row["uncertain"] for row in stats["per_model_version"]}
    assert unsure == {"a": 0, "b": 0, "test-model": 1}


def test_stats_for_visitors_cover_only_their_own(api_client):
    DrawingFactory(label=7, prediction__digit=1)
    assert api_client.get("/api/stats/").json()["total"] == 0


def test_healthz_reports_model_and_database(api_client):
    body = api_client.get("/healthz").json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["model_version"]


def test_schema_and_docs_are_served(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/predictions/" in schema["paths"] and "/api/predictions/batch/" in schema["paths"]
    docs = api_client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def posts_under_a_rate(client, monkeypatch, url, throttle, scope, count):
    """Post `count` images to `url` with `throttle` at 2/min; return the status codes."""
    from django.core.cache import cache

    # DRF reads the rates when the class is defined, so override_settings cannot reach them.
    monkeypatch.setattr(throttle, "THROTTLE_RATES", {scope: "2/min"})
    cache.clear()
    payload = {"image": data_url(stroke_png())}
    return [client.post(url, payload, format="json").status_code for _ in range(count)]


def test_predict_is_throttled_for_anonymous_callers(api_client, monkeypatch):
    from recognizer.drawings.throttles import PredictAnonThrottle

    codes = posts_under_a_rate(
        api_client, monkeypatch, PREDICT, PredictAnonThrottle, "predict_anon", 3
    )
    assert codes == [201, 201, 429]
    payload = {"image": data_url(stroke_png())}
    assert_error(api_client.post(PREDICT, payload, format="json"), 429, "throttled")
    assert Drawing.objects.count() == 2


def test_user_throttle_leaves_anonymous_callers_to_their_own_rate(api_client, monkeypatch):
    from django.core.cache import cache

    from recognizer.drawings.throttles import PredictAnonThrottle, PredictUserThrottle

    monkeypatch.setattr(PredictAnonThrottle, "THROTTLE_RATES", {"predict_anon": "5/min"})
    monkeypatch.setattr(PredictUserThrottle, "THROTTLE_RATES", {"predict_user": "2/min"})
    cache.clear()
    payload = {"image": data_url(stroke_png())}
    codes = [api_client.post(PREDICT, payload, format="json").status_code for _ in range(4)]
    assert codes == [201] * 4


def test_reading_answers_and_stores_nothing(api_client, digit_png, mnist_test):
    response = api_client.post(READ, {"image": data_url(digit_png(0))}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["digit"] == mnist_test.labels[0] == 7
    assert len(body["probabilities"]) == 10 and body["confidence"] == max(body["probabilities"])
    assert body["model_version"] and body["input"].startswith("data:image/png;base64,")
    png = base64.b64decode(body["input"].split(",", 1)[1])
    assert Image.open(io.BytesIO(png)).size == (28, 28)
    upload = SimpleUploadedFile("seven.png", digit_png(0), content_type="image/png")
    assert api_client.post(READ, {"image": upload}, format="multipart").status_code == 200
    assert Drawing.objects.count() == 0


def test_reading_bad_input_is_the_same_clear_4xx(api_client):
    assert_error(
        api_client.post(READ, {"image": data_url(blank_png())}, format="json"),
        422,
        "empty_drawing",
        ERROR_EMPTY_DRAWING,
    )
    assert_error(
        api_client.post(READ, {"image": "not base64!"}, format="json"), 400, "invalid_base64"
    )
    assert Drawing.objects.count() == 0


def test_reading_is_documented_in_the_schema(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/readings/"]["post"]
    assert "200" in operation["responses"] and "429" in operation["responses"]
    create = schema["paths"]["/api/predictions/"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in create["parameters"]]


def test_reading_is_throttled_apart_from_predict(api_client, monkeypatch):
    from recognizer.drawings.throttles import ReadAnonThrottle

    codes = posts_under_a_rate(api_client, monkeypatch, READ, ReadAnonThrottle, "read_anon", 3)
    assert codes == [200, 200, 429]
    payload = {"image": data_url(stroke_png())}
    assert api_client.post(PREDICT, payload, format="json").status_code == 201


def test_retried_predict_with_an_idempotency_key_stores_one_drawing(api_client, digit_png):
    payload = {"image": data_url(digit_png(0))}
    headers = {"Idempotency-Key": "2f1c6a0e-4b7d-4c1e-9a53-0b1d2e3f4a5b"}
    first = api_client.post(PREDICT, payload, format="json", headers=headers)
    again = api_client.post(PREDICT, payload, format="json", headers=headers)
    assert first.status_code == again.status_code == 201
    assert "Idempotent-Replayed" not in first and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Drawing.objects.count() == 1


def test_idempotency_key_replays_for_a_caller_without_a_session(digit_png):
    from rest_framework.test import APIClient

    payload = {"image": data_url(digit_png(0))}
    headers = {"Idempotency-Key": "script-retry-1"}
    ids = {
        APIClient().post(PREDICT, payload, format="json", headers=headers).json()["id"]
        for _ in range(2)
    }
    assert len(ids) == 1 and Drawing.objects.count() == 1


def test_idempotency_key_reused_for_another_image_is_422(api_client, digit_png):
    headers = {"Idempotency-Key": "k-1"}
    api_client.post(PREDICT, {"image": data_url(digit_png(0))}, format="json", headers=headers)
    response = api_client.post(
        PREDICT, {"image": data_url(digit_png(1))}, format="json", headers=headers
    )
    assert_error(response, 422, "idempotency_key_reused", ERROR_IDEMPOTENCY_REUSED)
    assert Drawing.objects.count() == 1


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def visitor_with_a_drawing() -> APIClient:
    """An anonymous visitor who has stored one drawing, so their client carries the cookie."""
    client = APIClient(enforce_csrf_checks=False)
    client.post(PREDICT, {"image": data_url(stroke_png(9))}, format="json")
    return client


@pytest.mark.parametrize(
    "other",
    [
        "user",
        "visitor",
        "script elsewhere",
    ],
)
def test_idempotency_key_of_another_owner_never_replays_their_drawing(digit_png, other):
    a = signed_in(UserFactory(username="a"))
    clients = {
        "user": lambda: signed_in(UserFactory(username="b")),
        "visitor": visitor_with_a_drawing,
        "script elsewhere": lambda: APIClient(REMOTE_ADDR="198.51.100.7"),
    }
    b = clients[other]()
    payload, headers = {"image": data_url(digit_png(0))}, {"Idempotency-Key": "shared-key"}
    theirs = a.post(PREDICT, payload, format="json", headers=headers).json()
    a.patch(theirs["url"], {"label": 3}, format="json")
    response = b.post(PREDICT, payload, format="json", headers=headers)
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    mine = response.json()
    assert mine["id"] != theirs["id"] and mine["label"] is None
    assert b.get(f"{PREDICT}{theirs['id']}/").status_code == 404


def test_idempotency_key_used_first_by_another_owner_still_stores_its_owners_image(digit_png):
    a, b = signed_in(UserFactory(username="a")), APIClient()
    headers = {"Idempotency-Key": "7d1f0c52-93b4-4e2b-a0a5-5f9f0f4f1d36"}
    b.post(PREDICT, {"image": data_url(digit_png(1))}, format="json", headers=headers)
    response = a.post(PREDICT, {"image": data_url(digit_png(0))}, format="json", headers=headers)
    assert response.status_code == 201 and Drawing.objects.count() == 2


def test_idempotency_key_retried_with_another_label_is_422(api_client, digit_png):
    headers = {"Idempotency-Key": "k-label"}
    payload = {"image": data_url(digit_png(0)), "label": 7}
    assert api_client.post(PREDICT, payload, format="json", headers=headers).status_code == 201
    response = api_client.post(PREDICT, {**payload, "label": 1}, format="json", headers=headers)
    assert_error(response, 422, "idempotency_key_reused", "already used with the label 7, not 1")
    assert Drawing.objects.get().label == 7


def test_batch_sent_twice_with_one_key_stores_once(api_client):
    images = [data_url(stroke_png(n)) for n in range(3)]
    headers = {"Idempotency-Key": "batch-1"}
    url = f"{PREDICT}batch/"
    first = api_client.post(url, {"images": images}, format="json", headers=headers)
    again = api_client.post(url, {"images": images}, format="json", headers=headers)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Drawing.objects.count() == 3
    changed = api_client.post(url, {"images": images[:2]}, format="json", headers=headers)
    assert_error(changed, 422, "idempotency_key_reused", "a batch of 3 images, not a batch of 2")


@pytest.mark.parametrize("key", ["x" * 65, "has space", "ключ"])
def test_bad_idempotency_key_is_400(api_client, key):
    response = api_client.post(
        PREDICT, {"image": data_url(stroke_png())}, format="json", headers={"Idempotency-Key": key}
    )
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert message.startswith("Idempotency-Key: give 1 to 64") and message.count("Idempotency") == 1
    assert Drawing.objects.count() == 0


def test_batch_counts_each_image_against_the_rate(api_client, monkeypatch):
    from django.core.cache import cache

    from recognizer.drawings.throttles import PredictAnonThrottle

    monkeypatch.setattr(PredictAnonThrottle, "THROTTLE_RATES", {"predict_anon": "5/min"})
    cache.clear()
    images = [data_url(stroke_png(n)) for n in range(4)]
    assert api_client.post(f"{PREDICT}batch/", {"images": images}, format="json").status_code == 201
    response = api_client.post(f"{PREDICT}batch/", {"images": images}, format="json")
    assert_error(response, 429, "throttled")
    assert api_client.post(PREDICT, {"image": images[0]}, format="json").status_code == 201
    assert Drawing.objects.count() == 5


def test_rotating_x_forwarded_for_does_not_escape_the_throttle(api_client, monkeypatch):
    from django.core.cache import cache

    from recognizer.drawings.throttles import PredictAnonThrottle

    monkeypatch.setattr(PredictAnonThrottle, "THROTTLE_RATES", {"predict_anon": "20/min"})
    cache.clear()
    payload = {"image": data_url(stroke_png())}
    codes = [
        api_client.post(
            PREDICT, payload, format="json", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"
        ).status_code
        for n in range(90)
    ]
    assert codes.count(201) == 20 and codes.count(429) == 70
    assert Drawing.objects.count() == 20


def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(api_client, monkeypatch):
    from django.core.cache import cache
    from rest_framework.settings import api_settings

    from recognizer.drawings.throttles import PredictAnonThrottle

    monkeypatch.setattr(PredictAnonThrottle, "THROTTLE_RATES", {"predict_anon": "1/min"})
    monkeypatch.setattr(api_settings, "NUM_PROXIES", 1)
    cache.clear()
    payload = {"image": data_url(stroke_png())}
    codes = [
        api_client.post(PREDICT, payload, format="json", HTTP_X_FORWARDED_FOR=client).status_code
        for client in ("1.1.1.1, 203.0.113.1", "1.1.1.1, 203.0.113.2", "203.0.113.2")
    ]
    # The proxy appends the address it saw; what the client wrote before it is its own.
    assert codes == [201, 201, 429]


def test_batch_past_its_time_budget_stops_and_stores_nothing(api_client, settings):
    settings.REQUEST_TIME_BUDGET_S = -1  # already spent when the first image is reached
    images = [data_url(stroke_png(n)) for n in range(3)]
    response = api_client.post(f"{PREDICT}batch/", {"images": images}, format="json")
    assert_error(response, 413, "too_much_work", "send fewer or smaller images")
    assert not Drawing.objects.exists()
