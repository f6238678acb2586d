"""API shapes: what comes in (validated here) and what goes out."""

import base64
import binascii

from django.core.files.uploadedfile import UploadedFile
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from recognizer.drawings.fields import ProbabilitiesField
from recognizer.drawings.labels import (
    LABEL_SCHEMA,
    LabelField,
    LabelQualitySerializer,
    label_hidden,
    label_quality,
)
from recognizer.drawings.services import check_image_size
from recognizer.models import Drawing, Prediction

ERROR_BASE64 = "The image is not valid base64 (send a data: URL or bare base64 of the file)."
ERROR_IMAGE_TYPE = "Send the image as a base64 string, a data: URL, or a file upload."
ERROR_BROWSER_HALF = "Send browser_version and browser_probabilities together, or neither."


@extend_schema_field(
    {
        "type": "string",
        "description": "A PNG, JPEG, WebP, GIF or BMP file as a data: URL or bare base64.",
        "example": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA...",
    }
)
class ImageDataField(serializers.Field):
    """An image sent as a data URL, bare base64 or an uploaded file; yields its bytes."""

    default_error_messages = {"invalid_base64": ERROR_BASE64, "invalid_type": ERROR_IMAGE_TYPE}

    def to_internal_value(self, data) -> bytes:
        if isinstance(data, UploadedFile):
            check_image_size(data.size)
            return data.read()
        if not isinstance(data, str):
            self.fail("invalid_type")
        if data.startswith("data:"):
            header, _, data = data.partition(",")
            if not header.endswith(";base64"):
                self.fail("invalid_base64")
        data = "".join(data.split())
        # Refuse before decoding: base64 is 4/3 the size of the bytes it holds.
        check_image_size(len(data) * 3 // 4)
        try:
            return base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            self.fail("invalid_base64")


class PredictionCreateSerializer(serializers.Serializer):
    image = ImageDataField()
    label = LabelField(
        required=False,
        allow_null=True,
        help_text='The true digit (or "not_a_digit"), if the caller knows it.',
    )
    source = serializers.ChoiceField(choices=Drawing.Source.choices, default=Drawing.Source.API)
    browser_version = serializers.CharField(
        max_length=64,
        required=False,
        help_text="The model version that read this drawing in the browser, if one did.",
    )
    browser_probabilities = ProbabilitiesField(
        required=False,
        help_text="That reading's ten probabilities (in a multipart form: the array's JSON text).",
    )

    def validate(self, attrs):
        if ("browser_version" in attrs) != ("browser_probabilities" in attrs):
            raise serializers.ValidationError(ERROR_BROWSER_HALF, code="browser_reading")
        return attrs


class PredictionUploadSerializer(PredictionCreateSerializer):
    """The same request as multipart/form-data with an image file (for the schema)."""

    image = serializers.FileField(help_text="The image file.")


class BatchCreateSerializer(serializers.Serializer):
    images = serializers.ListField(child=ImageDataField(), min_length=1)
    labels = serializers.ListField(
        child=LabelField(allow_null=True),
        required=False,
        help_text='True digits (or "not_a_digit"), one per image (null where unknown).',
    )
    source = serializers.ChoiceField(choices=Drawing.Source.choices, default=Drawing.Source.API)

    def validate(self, attrs):
        labels = attrs.get("labels")
        if labels is not None and len(labels) != len(attrs["images"]):
            raise serializers.ValidationError(
                {"labels": "Give one label per image, or none at all."}, code="labels_length"
            )
        return attrs


UNCERTAIN_HELP = (
    "True when the model is not sure: the drawing does not look like a digit, or it cannot "
    "tell between digits. Then say so rather than show `digit` as the answer."
)
REASON_HELP = '"not_a_digit" or "ambiguous" when uncertain, else null.'
ALTERNATIVES_HELP = "The likeliest digits (at most three), most likely first."
NOT_DIGIT_HELP = "How likely the drawing is not a digit at all, 0-1."
# Unbound fields, for their to_representation alone.
_LABEL = LabelField()


def _label(value: int | None):
    return None if value is None else _LABEL.to_representation(value)


_DATETIME = serializers.DateTimeField()


BROWSER_HELP = (
    "What the page showed when the browser read the drawing itself: its model version "
    "(empty, and the digit null, when the server read it alone)."
)
LABEL_HELP = (
    'The true digit, or "not_a_digit"; null while unlabelled, and for another reviewer while '
    "a second opinion is awaited (see label_hidden)."
)
LABEL_HIDDEN_HELP = (
    "True when a reviewer's label awaits your second opinion: it and its quality stay hidden "
    "until you answer."
)
DRAWER_LABEL_HELP = "The drawer's own answer, kept when a reviewer changes the label."
LABEL_QUALITY_HELP = "How likely the label is wrong; null while unlabelled."
SECOND_OPINION_HELP = (
    "A reviewer's label disagrees with both the drawer and the model: it trains once "
    "another reviewer agrees."
)
LABEL_SOURCE_HELP = (
    "Who gave the label: `submitted` with the drawing, `feedback` from the person who drew it, "
    "`review` by a reviewer; null while there is no label."
)


class DrawingSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:prediction-detail")
    digit = serializers.IntegerField(source="prediction.digit")
    confidence = serializers.FloatField(source="prediction.confidence")
    probabilities = serializers.ListField(
        source="prediction.probabilities",
        child=serializers.FloatField(),
        min_length=10,
        max_length=10,
    )
    model_version = serializers.CharField(source="prediction.model_version")
    inference_ms = serializers.FloatField(source="prediction.inference_ms")
    uncertain = serializers.BooleanField(source="prediction.uncertain", help_text=UNCERTAIN_HELP)
    uncertain_reason = serializers.SerializerMethodField(help_text=REASON_HELP)
    alternatives = serializers.ListField(
        source="prediction.alternatives",
        child=serializers.IntegerField(min_value=0, max_value=9),
        max_length=3,
        help_text=ALTERNATIVES_HELP,
    )
    not_digit_probability = serializers.FloatField(
        source="prediction.not_digit_probability", help_text=NOT_DIGIT_HELP
    )
    browser_version = serializers.CharField(
        source="prediction.browser_version", help_text=BROWSER_HELP
    )
    browser_digit = serializers.IntegerField(
        source="prediction.browser_digit", allow_null=True, help_text=BROWSER_HELP
    )
    label = serializers.SerializerMethodField(help_text=LABEL_HELP)
    label_source = serializers.SerializerMethodField(help_text=LABEL_SOURCE_HELP)
    label_hidden = serializers.SerializerMethodField(help_text=LABEL_HIDDEN_HELP)
    drawer_label = LabelField(allow_null=True, help_text=DRAWER_LABEL_HELP)
    label_quality = serializers.SerializerMethodField(help_text=LABEL_QUALITY_HELP)
    needs_second_opinion = serializers.BooleanField(help_text=SECOND_OPINION_HELP)
    correct = serializers.SerializerMethodField()
    image_url = serializers.HyperlinkedIdentityField(view_name="api:prediction-image")
    input_url = serializers.HyperlinkedIdentityField(view_name="api:prediction-input")

    class Meta:
        model = Drawing
        fields = [
            "id",
            "url",
            "digit",
            "confidence",
            "probabilities",
            "model_version",
            "uncertain",
            "uncertain_reason",
            "alternatives",
            "not_digit_probability",
            "browser_version",
            "browser_digit",
            "label",
            "label_source",
            "label_hidden",
            "drawer_label",
            "label_quality",
            "needs_second_opinion",
            "correct",
            "source",
            "created_at",
            "image_url",
            "input_url",
            "inference_ms",
        ]
        read_only_fields = fields

    def to_representation(self, drawing) -> dict:
        """Return the declared fields' values, read straight from the row.

        The response of every prediction: DRF would build and bind the eighteen fields on
        each call, most of a response's cost. `tests/recognizer/test_serializers.py` holds
        this equal to DRF's own rendering, field by field.
        """
        if self.context.get("format"):  # a ".json" suffix goes into every URL: DRF's way
            return super().to_representation(drawing)
        prediction, hidden = drawing.prediction, self.get_label_hidden(drawing)
        request = self.context["request"]  # HyperlinkedIdentityField's requirement too
        url = reverse("api:prediction-detail", kwargs={"pk": drawing.pk}, request=request)
        return {
            "id": drawing.pk,
            "url": url,
            "digit": prediction.digit,
            "confidence": float(prediction.confidence),
            "probabilities": [float(p) for p in prediction.probabilities],
            "model_version": prediction.model_version,
            "uncertain": bool(prediction.uncertain),
            "uncertain_reason": self.get_uncertain_reason(drawing),
            "alternatives": [int(d) for d in prediction.alternatives],
            "not_digit_probability": float(prediction.not_digit_probability),
            "browser_version": prediction.browser_version,
            "browser_digit": prediction.browser_digit,
            "label": self.get_label(drawing),
            "label_source": self.get_label_source(drawing),
            "label_hidden": hidden,
            "drawer_label": _label(drawing.drawer_label),
            "label_quality": self.get_label_quality(drawing),
            "needs_second_opinion": drawing.needs_second_opinion,
            "correct": self.get_correct(drawing),
            "source": drawing.source,
            "created_at": _DATETIME.to_representation(drawing.created_at),
            "image_url": f"{url}image/",
            "input_url": f"{url}input/",
            "inference_ms": float(prediction.inference_ms),
        }

    @extend_schema_field(
        serializers.ChoiceField(choices=Prediction.Uncertainty.choices, allow_null=True)
    )
    def get_uncertain_reason(self, drawing) -> str | None:
        return drawing.prediction.uncertain_reason or None

    def get_label_hidden(self, drawing) -> bool:
        return label_hidden(drawing, getattr(self.context.get("request"), "user", None))

    @extend_schema_field({**LABEL_SCHEMA, "nullable": True})
    def get_label(self, drawing):
        return None if self.get_label_hidden(drawing) else _label(drawing.label)

    @extend_schema_field({"type": "string", "enum": Drawing.LabelSource.values, "nullable": True})
    def get_label_source(self, drawing) -> str | None:
        return None if self.get_label_hidden(drawing) else drawing.label_source or None

    @extend_schema_field(LabelQualitySerializer(allow_null=True))
    def get_label_quality(self, drawing) -> dict | None:
        return None if self.get_label_hidden(drawing) else label_quality(drawing)

    def get_correct(self, drawing) -> bool | None:
        """Whether the label is the model's answer, "not a digit" included (null if unlabelled)."""
        return None if self.get_label_hidden(drawing) else drawing.read_right


class ReadingSerializer(serializers.Serializer):
    """What the model reads in an image that is not stored."""

    digit = serializers.IntegerField()
    confidence = serializers.FloatField()
    probabilities = serializers.ListField(
        child=serializers.FloatField(), min_length=10, max_length=10
    )
    uncertain = serializers.BooleanField(help_text=UNCERTAIN_HELP)
    uncertain_reason = serializers.ChoiceField(
        choices=Prediction.Uncertainty.choices, allow_null=True, help_text=REASON_HELP
    )
    alternatives = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=9),
        min_length=1,
        max_length=3,
        help_text=ALTERNATIVES_HELP,
    )
    not_digit_probability = serializers.FloatField(
        min_value=0, max_value=1, help_text=NOT_DIGIT_HELP
    )
    model_version = serializers.CharField()
    inference_ms = serializers.FloatField()
    input = serializers.SerializerMethodField(
        help_text="The 28x28 image the model saw, as a PNG data: URL."
    )

    def to_representation(self, reading) -> dict:
        """Return the declared fields' values, read straight from the reading (as above)."""
        return {
            "digit": reading.digit,
            "confidence": float(reading.confidence),
            "probabilities": [float(p) for p in reading.probabilities],
            "uncertain": bool(reading.uncertain),
            "uncertain_reason": reading.uncertain_reason,
            "alternatives": [int(d) for d in reading.alternatives],
            "not_digit_probability": float(reading.not_digit_probability),
            "model_version": reading.model_version,
            "inference_ms": float(reading.inference_ms),
            "input": self.get_input(reading),
        }

    def get_input(self, reading) -> str:
        png = base64.b64encode(reading.model_input.to_png()).decode("ascii")
        return f"data:image/png;base64,{png}"


class BatchResultSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = DrawingSerializer(many=True)
