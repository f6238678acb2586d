"""What the OpenAPI description shows beside the types: error responses, examples, headers."""

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, machine-readable error code.")
    message = serializers.CharField(help_text="What is wrong, in plain words.")
    fields = serializers.DictField(required=False, help_text="Messages per request field.")
    index = serializers.IntegerField(required=False, help_text="Which batch image is bad.")


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


ERRORS = {
    code: OpenApiResponse(ErrorSerializer, description=text)
    for code, text in {
        400: "Bad input: malformed JSON, bad base64, not an image, damaged image, bad label.",
        403: "Not allowed: the caller lacks the permission (e.g. relabelling is for reviewers), "
        "or sent the site's cookies without the CSRF token.",
        404: "No such drawing, or not yours.",
        409: "Feedback was already given for this drawing.",
        413: "The image, the request body or the work it needs is too large.",
        415: "Unsupported content type.",
        422: "The drawing is empty or just a dot, or the Idempotency-Key was used for "
        "another image.",
        429: "Too many predictions; slow down.",
        503: "The database or the model is unavailable.",
    }.items()
}
EXAMPLE_PNG = OpenApiExample(
    "A data URL",
    value={"image": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA...", "label": 7},
    request_only=True,
)
EXAMPLE_RESULT = OpenApiExample(
    "A seven",
    value={
        "id": 4,
        "url": "http://127.0.0.1:8000/api/predictions/4/",
        "digit": 7,
        "confidence": 0.99999,
        "probabilities": [0, 0, 0, 0, 0, 0, 0, 0.99999, 0, 0.00001],
        "model_version": "cnn-20261205-4218370c",
        "uncertain": False,
        "uncertain_reason": None,
        "alternatives": [7],
        "not_digit_probability": 0.00002,
        "label": 7,
        "label_source": "submitted",
        "label_hidden": False,
        "drawer_label": 7,
        "label_quality": {
            "score": 0.00001,
            "likely_wrong": False,
            "reason": "cnn-20261205-4218370c read 7 (100.0%); the label says 7.",
        },
        "needs_second_opinion": False,
        "correct": True,
        "source": "api",
        "created_at": "2026-11-21T19:51:18Z",
        "image_url": "http://127.0.0.1:8000/api/predictions/4/image/",
        "input_url": "http://127.0.0.1:8000/api/predictions/4/input/",
        "inference_ms": 0.7,
    },
    response_only=True,
    status_codes=["201", "200"],
)
EXAMPLE_ERROR = OpenApiExample(
    "Empty drawing",
    value={
        "error": {"code": "empty_drawing", "message": "The drawing is empty: draw a digit first."}
    },
    response_only=True,
    status_codes=["422"],
)
EXAMPLE_BATCH = OpenApiExample(
    "Two images",
    value={"images": ["iVBORw0KGgo...", "iVBORw0KGgo..."], "labels": [7, None]},
    request_only=True,
)
EXAMPLE_LABEL = OpenApiExample("It was a 9", value={"label": 9}, request_only=True)
EXAMPLE_NOT_A_DIGIT = OpenApiExample(
    "It was no digit at all", value={"label": "not_a_digit"}, request_only=True
)

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="A key you choose for this request (a random UUID). Sending the same request "
    f"again with the same key within {settings.IDEMPOTENCY_KEY_SECONDS / 3600:g} hours "
    "returns what was stored the first time, with the header `Idempotent-Replayed: true`, "
    "and stores nothing more; the same key with another image or label is a 422. Keys are "
    "your own: a signed-in user's, a visitor's (cookie), or without either your address's; "
    "nobody else's request ever replays yours.",
)


def errors(*codes: int) -> dict:
    """Return the documented error responses for `codes`."""
    return {code: ERRORS[code] for code in codes}
