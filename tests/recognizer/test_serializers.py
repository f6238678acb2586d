import pytest
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from recognizer.drawings.serializers import DrawingSerializer, ReadingSerializer
from recognizer.models import NOT_A_DIGIT, Drawing, Prediction
from tests.factories import (
    DrawingFactory,
    PredictionFactory,
    UserFactory,
    ambiguous_reading,
    stroke_png,
)

pytestmark = pytest.mark.django_db


def drf_rendering(serializer, drawing) -> dict:
    """What DRF's generic path makes of the declared fields, one field at a time."""
    return serializers.ModelSerializer.to_representation(serializer, drawing)


@pytest.mark.parametrize(
    "label, uncertain_reason",
    [(None, ""), (1, ""), (7, Prediction.Uncertainty.AMBIGUOUS), (NOT_A_DIGIT, "not_a_digit")],
)
def test_drawing_serializer_equals_drf_field_by_field(label, uncertain_reason):
    prediction = PredictionFactory(
        digit=7,
        confidence=0.5,
        uncertain=bool(uncertain_reason),
        uncertain_reason=uncertain_reason,
        alternatives=[7, 1],
        not_digit_probability=0.25,
    )
    drawing = Drawing.objects.select_related("prediction").get(pk=prediction.drawing_id)
    if label is not None:
        drawing.label, drawing.label_source = label, Drawing.LabelSource.REVIEW
        drawing.labelled_by = UserFactory()
    request = Request(APIRequestFactory().get("/api/predictions/", HTTP_HOST="testserver"))
    serializer = DrawingSerializer(context={"request": request})

    body = serializer.to_representation(drawing)

    assert body == drf_rendering(serializer, drawing)
    assert list(body) == list(drf_rendering(serializer, drawing))  # the same order
    assert body["url"].startswith("http://testserver/api/predictions/")


def test_drawing_serializer_keeps_a_format_suffix_in_its_urls():
    drawing = DrawingFactory()
    request = Request(APIRequestFactory().get("/api/predictions.json"))
    serializer = DrawingSerializer(context={"request": request, "format": "json"})

    body = serializer.to_representation(drawing)

    assert body["image_url"].endswith(f"/api/predictions/{drawing.pk}/image.json")
    assert body == drf_rendering(serializer, drawing)


@pytest.mark.parametrize("uncertain_reason", [None, "ambiguous", "not_a_digit"])
def test_reading_serializer_equals_drf_field_by_field(uncertain_reason):
    reading = ambiguous_reading(stroke_png(3), uncertain_reason)
    serializer = ReadingSerializer()

    body = serializer.to_representation(reading)

    generic = serializers.Serializer.to_representation(serializer, reading)
    assert body == generic and list(body) == list(generic)
