"""One JSON error shape for every API failure: {"error": {"code", "message", ...}}."""

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ml.inference import ModelNotFoundError
from ml.preprocessing import PreprocessingError
from recognizer.middleware import ERROR_DATABASE_DOWN, RETRY_AFTER_SECONDS, is_outage
from recognizer.services import (
    BatchSizeError,
    FeedbackAlreadyGivenError,
    IdempotencyKeyReusedError,
)

ERROR_BODY_TOO_BIG = "The request body is larger than the server accepts."
ERROR_REQUEST_REFUSED = "The request is malformed (too many fields or files, or a bad header)."
ERROR_MODEL_UNAVAILABLE = "The model is not available right now; please try again shortly."

DOMAIN_ERRORS = (
    PreprocessingError,
    BatchSizeError,
    FeedbackAlreadyGivenError,
    IdempotencyKeyReusedError,
)
STATUS_BY_CODE = {
    "image_too_big": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    "image_too_large": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    "empty_drawing": status.HTTP_422_UNPROCESSABLE_ENTITY,
    "already_labelled": status.HTTP_409_CONFLICT,
    "idempotency_key_reused": status.HTTP_422_UNPROCESSABLE_ENTITY,
}


def error_response(code: str, message: str, status_code: int, **extra) -> Response:
    """Return the standard error body."""
    return Response({"error": {"code": code, "message": message, **extra}}, status=status_code)


def exception_handler(exc, context):
    """Map domain errors and DRF's own to the standard error body; never hide real bugs."""
    if isinstance(exc, DOMAIN_ERRORS):
        extra = {"index": exc.index} if hasattr(exc, "index") else {}
        status_code = STATUS_BY_CODE.get(exc.code, status.HTTP_400_BAD_REQUEST)
        return error_response(exc.code, str(exc), status_code, **extra)
    if isinstance(exc, RequestDataTooBig):
        return error_response("request_too_big", ERROR_BODY_TOO_BIG, 413)
    if isinstance(exc, SuspiciousOperation):
        return error_response("request_refused", ERROR_REQUEST_REFUSED, 400)
    if isinstance(exc, ModelNotFoundError):
        return error_response("model_unavailable", ERROR_MODEL_UNAVAILABLE, 503)
    if is_outage(exc):
        response = error_response("database_unavailable", ERROR_DATABASE_DOWN, 503)
        response["Retry-After"] = RETRY_AFTER_SECONDS
        return response
    # DRF answers these itself; turn them into its own exceptions to get their codes.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        response.data = _validation_body(exc)
    else:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        response.data = {"error": {"code": code, "message": str(exc.detail)}}
    return response


def _validation_body(exc: ValidationError) -> dict:
    detail, codes = exc.detail, exc.get_codes()
    if not isinstance(detail, dict):
        messages = detail if isinstance(detail, list) else [detail]
        first = codes[0] if isinstance(codes, list) and codes else "invalid"
        return {"error": {"code": str(first), "message": " ".join(map(str, messages))}}
    fields = {name: _flatten(value) for name, value in detail.items()}
    name, messages = next(iter(fields.items()))
    code = _first_code(codes.get(name)) if isinstance(codes, dict) else "invalid"
    label = "" if name == "non_field_errors" else f"{name}: "
    return {"error": {"code": code, "message": label + messages[0], "fields": fields}}


def _flatten(value) -> list[str]:
    if isinstance(value, dict):
        return [f"{key}: {m}" for key, inner in value.items() for m in _flatten(inner)]
    if isinstance(value, list):
        return [m for item in value for m in _flatten(item)]
    return [str(value)]


def _first_code(codes) -> str:
    while isinstance(codes, list | dict):
        if not codes:
            return "invalid"
        codes = codes[0] if isinstance(codes, list) else next(iter(codes.values()))
    return str(codes)
