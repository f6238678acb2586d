"""API shapes of numbers: the request (an image, maybe its strokes) and what comes back."""

import json
import math

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse
from rest_framework.utils import html

from recognizer.drawings.labels import LABEL_SCHEMA, label_hidden
from recognizer.drawings.serializers import (
    REASON_HELP,
    UNCERTAIN_HELP,
    ImageDataField,
    _label,
)
from recognizer.models import Drawing, Prediction

MAX_STROKES = 200
MAX_POINTS = 20_000
ERROR_STROKES = (
    "strokes is a list of strokes, each a list of [x, y] points in the image's pixels "
    "(in a multipart form: the list's JSON text)."
)
ERROR_STROKES_SIZE = f"Send at most {MAX_STROKES} strokes and {MAX_POINTS:,} points in all."
STROKES_HELP = (
    "The pen's strokes, when the drawing was made on a canvas: each a list of [x, y] points "
    "in the image's pixels. A stroke is never split between digits."
)
BOX_HELP = "Where the digit is in the image: [left, top, right, bottom], in pixels."
NUMBER_UNCERTAIN_HELP = "True when the model is not sure of at least one digit."


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}},
        "example": [[[20, 40], [22, 120]], [[60, 40], [100, 40], [70, 120]]],
    }
)
class StrokesField(serializers.Field):
    """Strokes as JSON: a list of lists of [x, y] points, or one form field holding its JSON."""

    default_error_messages = {"invalid": ERROR_STROKES, "too_many": ERROR_STROKES_SIZE}

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and self.field_name in dictionary:
            return dictionary.get(self.field_name)
        return super().get_value(dictionary)

    def to_internal_value(self, data) -> list[list[tuple[float, float]]]:
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, list) or not all(isinstance(s, list) and s for s in data):
            self.fail("invalid")
        if len(data) > MAX_STROKES or sum(map(len, data)) > MAX_POINTS:
            self.fail("too_many")
        return [[self._point(point) for point in stroke] for stroke in data]

    def _point(self, point) -> tuple[float, float]:
        if not (isinstance(point, list) and len(point) == 2):
            self.fail("invalid")
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in point):
            self.fail("invalid")
        if not all(math.isfinite(v) for v in point):
            self.fail("invalid")
        return float(point[0]), float(point[1])

    def to_representation(self, value):
        return value


class NumberCreateSerializer(serializers.Serializer):
    image = ImageDataField()
    strokes = StrokesField(required=False, help_text=STROKES_HELP)
    source = serializers.ChoiceField(choices=Drawing.Source.choices, default=Drawing.Source.API)


class NumberUploadSerializer(NumberCreateSerializer):
    """The same request as multipart/form-data with an image file (for the schema)."""

    image = serializers.FileField(help_text="The image file.")


class NumberFeedbackSerializer(serializers.Serializer):
    digits = serializers.RegexField(
        r"^[0-9]{1,64}$",
        help_text='What the number really was, one digit for each digit read: "2026".',
        error_messages={"invalid": "Give the digits it really was, such as 2026 (0-9 only)."},
    )


class ReadDigitSerializer(serializers.Serializer):
    """One digit of a number that is not stored."""

    digit = serializers.IntegerField(min_value=0, max_value=9)
    confidence = serializers.FloatField()
    probabilities = serializers.ListField(
        child=serializers.FloatField(), min_length=10, max_length=10
    )
    uncertain = serializers.BooleanField(help_text=UNCERTAIN_HELP)
    uncertain_reason = serializers.ChoiceField(
        choices=Prediction.Uncertainty.choices, allow_null=True, help_text=REASON_HELP
    )
    box = serializers.ListField(
        child=serializers.IntegerField(), min_length=4, max_length=4, help_text=BOX_HELP
    )


class NumberReadingSerializer(serializers.Serializer):
    """What the model reads in a number that is not stored."""

    number = serializers.CharField(help_text='The digits read, left to right: "2026".')
    digits = ReadDigitSerializer(many=True)
    uncertain = serializers.BooleanField(help_text=NUMBER_UNCERTAIN_HELP)
    model_version = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()

    def to_representation(self, number) -> dict:
        return {
            "number": number.number,
            "digits": [_read_digit(digit.reading, digit.box) for digit in number.digits],
            "uncertain": number.uncertain,
            "model_version": number.model_version,
            "width": number.size[0],
            "height": number.size[1],
        }


def _read_digit(reading, box) -> dict:
    return {
        "digit": reading.digit,
        "confidence": float(reading.confidence),
        "probabilities": [float(p) for p in reading.probabilities],
        "uncertain": bool(reading.uncertain),
        "uncertain_reason": reading.uncertain_reason or None,
        "box": [int(v) for v in box],
    }


class StoredDigitSerializer(ReadDigitSerializer):
    """One digit of a stored number: its reading, and the drawing it is stored as."""

    drawing = serializers.URLField(help_text="The digit's drawing: label it, review it there.")
    label = serializers.SerializerMethodField(
        help_text="What it really was, once someone said; null until then."
    )

    @extend_schema_field({**LABEL_SCHEMA, "nullable": True})
    def get_label(self, place):  # for the schema: NumberSerializer writes the value
        return None


class NumberSerializer(NumberReadingSerializer):
    """A stored number: its reading, each digit's drawing, and where to find them."""

    id = serializers.IntegerField()
    url = serializers.URLField()
    digits = StoredDigitSerializer(many=True)
    source = serializers.ChoiceField(choices=Drawing.Source.choices)
    created_at = serializers.DateTimeField()
    image_url = serializers.URLField()

    def to_representation(self, number) -> dict:
        request = self.context["request"]
        url = reverse("api:number-detail", kwargs={"pk": number.pk}, request=request)
        places = list(number.digits.all())
        digits = [self._digit(place, request) for place in places]
        return {
            "id": number.pk,
            "url": url,
            "number": "".join(str(digit["digit"]) for digit in digits),
            "digits": digits,
            "uncertain": any(digit["uncertain"] for digit in digits),
            "model_version": number.model_version,
            "width": number.width,
            "height": number.height,
            "source": number.source,
            "created_at": serializers.DateTimeField().to_representation(number.created_at),
            "image_url": f"{url}image/",
        }

    def _digit(self, place, request) -> dict:
        drawing = place.drawing
        return {
            **_read_digit(drawing.prediction, place.box),
            "drawing": reverse("api:prediction-detail", kwargs={"pk": drawing.pk}, request=request),
            "label": None if label_hidden(drawing, request.user) else _label(drawing.label),
        }
