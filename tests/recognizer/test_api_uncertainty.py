"""Saying "not sure": every prediction response carries it, and people can answer "not a digit"."""

import pytest

from recognizer.drawings.labels import ERROR_LABEL
from recognizer.models import NOT_A_DIGIT, Drawing
from tests.factories import HALF_FOUR, LETTER_A, LETTER_X, SCRIBBLE, sketch_png
from tests.helpers import BATCH, PREDICT, READ, data_url

pytestmark = pytest.mark.django_db
FIELDS = {"uncertain", "uncertain_reason", "alternatives", "not_digit_probability"}


@pytest.mark.parametrize(
    "strokes", [LETTER_A, SCRIBBLE, HALF_FOUR], ids=["letter", "scribble", "half-drawn four"]
)
def test_predict_non_digit_comes_back_uncertain_and_is_stored_so(api_client, strokes):
    response = api_client.post(PREDICT, {"image": data_url(sketch_png(strokes))}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["uncertain"] is True
    assert body["uncertain_reason"] in ("not_a_digit", "ambiguous")
    assert 1 <= len(body["alternatives"]) <= 3
    prediction = Drawing.objects.get().prediction
    assert prediction.uncertain and prediction.uncertain_reason == body["uncertain_reason"]
    assert prediction.alternatives == body["alternatives"]


def test_predict_clear_digit_is_not_uncertain(api_client, digit_png, mnist_test):
    body = api_client.post(PREDICT, {"image": data_url(digit_png(0))}, format="json").json()
    assert body["digit"] == mnist_test.labels[0]
    assert (body["uncertain"], body["uncertain_reason"]) == (False, None)
    assert body["alternatives"][0] == body["digit"]
    assert body["not_digit_probability"] < 0.5


def test_reading_and_batch_carry_the_same_uncertainty(api_client, digit_png):
    x = sketch_png(LETTER_X)
    reading = api_client.post(READ, {"image": data_url(x)}, format="json").json()
    assert FIELDS <= reading.keys()
    assert reading["uncertain"] is True
    batch = api_client.post(
        BATCH, {"images": [data_url(x), data_url(digit_png(1))]}, format="json"
    ).json()
    assert [row["uncertain"] for row in batch["results"]] == [True, False]
    stored = api_client.get(batch["results"][0]["url"]).json()
    assert {key: stored[key] for key in FIELDS} == {key: reading[key] for key in FIELDS}


def test_feedback_not_a_digit_is_stored_and_kept_out_of_training(api_client):
    body = api_client.post(PREDICT, {"image": data_url(sketch_png(LETTER_X))}, format="json")
    answered = api_client.patch(body.json()["url"], {"label": "not_a_digit"}, format="json")
    assert answered.status_code == 200
    # The model said "not a digit" and the person agreed: the model was right.
    assert (answered.json()["label"], answered.json()["correct"]) == ("not_a_digit", True)
    drawing = Drawing.objects.get()
    assert drawing.label == NOT_A_DIGIT
    assert drawing.label_changes.get().new_label == NOT_A_DIGIT
    assert not Drawing.objects.for_training().exists()
    stats = api_client.get("/api/stats/").json()
    assert (stats["not_a_digit"], stats["labelled"], stats["uncertain"]) == (1, 1, 1)
    assert (stats["correct"], stats["accuracy"]) == (1, 1.0)


def test_label_other_than_a_digit_or_not_a_digit_is_400(api_client, digit_png):
    body = api_client.post(PREDICT, {"image": data_url(digit_png(0))}, format="json").json()
    response = api_client.patch(body["url"], {"label": "scribble"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["label"] == [ERROR_LABEL]


def test_openapi_schema_documents_the_uncertainty_fields(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    components = schema["components"]["schemas"]
    for name in ("Drawing", "Reading"):
        properties = components[name]["properties"]
        assert FIELDS <= properties.keys(), name
        assert "not sure" in properties["uncertain"]["description"]
    reasons = [schema["enum"] for name, schema in components.items() if "UncertainReason" in name]
    assert reasons and all(enum == ["not_a_digit", "ambiguous"] for enum in reasons)
    label = components["LabelRequest"]["properties"]["label"]
    assert "label" in components["LabelRequest"]["required"]
    assert {"type": "string", "enum": ["not_a_digit"]} in label["oneOf"]
