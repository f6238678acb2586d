"""One JSON error shape for every failure, {"error": {"code", "message", ...}}, and the pages.

DRF's exception handler, the middleware and Django's error handlers all build it here.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.shortcuts import render
from rest_framework import exceptions, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ml.inference import ModelNotFoundError
from ml.preprocessing import PreprocessingError
from recognizer.core.owners import ERROR_CSRF

ERROR_BAD_REQUEST = "The request was refused (an unknown host name or a malformed request)."
ERROR_BODY_TOO_BIG = "The request body is larger than the server accepts ({limit} bytes at most)."
ERROR_LENGTH_REQUIRED = (
    "This server needs the body's length: send a Content-Length header instead of a chunked body."
)
ERROR_URL_TOO_LONG = "The address is longer than the server accepts ({limit} characters at most)."
ERROR_DATABASE_DOWN = "The database is unavailable right now; please try again in a moment."
ERROR_FORBIDDEN = "You do not have permission to do this."
ERROR_MODEL_UNAVAILABLE = "The model is not available right now; please try again shortly."
ERROR_NOT_FOUND = "There is nothing at this address."
ERROR_REQUEST_REFUSED = "The request is malformed (too many fields or files, or a bad header)."
ERROR_SERVER = "Something went wrong on our side; it has been logged."
RETRY_AFTER_SECONDS = "5"
PAGE_TITLES = {400: "Bad request", 403: "Not allowed", 404: "Not found", 414: "Address too long"}


class DomainError(ValueError):
    """A request the site understood and refuses; `code` is stable for API clients."""

    code = "invalid"


DOMAIN_ERRORS = (PreprocessingError, DomainError)
STATUS_BY_CODE = {
    "image_too_big": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    "image_too_large": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    "empty_drawing": status.HTTP_422_UNPROCESSABLE_ENTITY,
    "already_labelled": status.HTTP_409_CONFLICT,
    "idempotency_key_reused": status.HTTP_422_UNPROCESSABLE_ENTITY,
    "too_much_work": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    "too_many_digits": status.HTTP_422_UNPROCESSABLE_ENTITY,
    "not_digits": status.HTTP_422_UNPROCESSABLE_ENTITY,
    "digit_count": status.HTTP_422_UNPROCESSABLE_ENTITY,
}


def body_too_big_message() -> str:
    """Return the 413 message naming the limit."""
    return ERROR_BODY_TOO_BIG.format(limit=settings.MAX_REQUEST_BYTES)


def url_too_long_message() -> str:
    """Return the 414 message naming the limit."""
    return ERROR_URL_TOO_LONG.format(limit=settings.MAX_URL_LENGTH)


def error_body(code: str, message: str, **extra) -> dict:
    """Return the standard error body."""
    return {"error": {"code": code, "message": message, **extra}}


def error_response(code: str, message: str, status_code: int, **extra) -> Response:
    """Return the standard error body as a DRF response."""
    return Response(error_body(code, message, **extra), status=status_code)


def json_error(code: str, message: str, status_code: int, **extra) -> JsonResponse:
    """Return the standard error body as a plain Django response (middleware, handlers)."""
    return JsonResponse(error_body(code, message, **extra), status=status_code)


def wants_json(request) -> bool:
    """Return whether the caller is an API client rather than a person with a browser."""
    accept = request.headers.get("Accept", "")
    return request.path.startswith("/api/") or ("json" in accept and "html" not in accept)


def error_page(request, code: str, message: str, status_code: int, template="error.html"):
    """Answer JSON to API clients and a page to people."""
    if wants_json(request):
        return json_error(code, message, status_code)
    context = {"message": message, "title": PAGE_TITLES.get(status_code, "Error")}
    return render(request, template, context, status=status_code)


def is_outage(exception: Exception) -> bool:
    """Return whether `exception` means the database cannot be reached."""
    return isinstance(exception, OperationalError | InterfaceError) or (
        isinstance(exception, DatabaseError) and "connection" in str(exception).lower()
    )


def database_unavailable(request):
    """Answer 503 with Retry-After, as JSON or as a page."""
    response = error_page(request, "database_unavailable", ERROR_DATABASE_DOWN, 503, "503.html")
    response["Retry-After"] = RETRY_AFTER_SECONDS
    return response


def bad_request(request, exception=None):
    """Django's handler400 (a wrong Host, a suspicious request)."""
    return error_page(request, "bad_request", ERROR_BAD_REQUEST, 400)


def forbidden(request, exception=None):
    """Django's handler403."""
    return error_page(request, "permission_denied", ERROR_FORBIDDEN, 403)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: say what is missing instead of Django's debug page."""
    return error_page(request, "csrf_failed", ERROR_CSRF, 403)


def not_found(request, exception=None):
    """Django's handler404."""
    return error_page(request, "not_found", ERROR_NOT_FOUND, 404)


def server_error(request):
    """Django's handler500."""
    return error_page(request, "server_error", ERROR_SERVER, 500, "500.html")


def exception_handler(exc, context):
    """Map domain errors and DRF's own to the standard error body; never hide real bugs."""
    if isinstance(exc, DOMAIN_ERRORS):
        extra = {"index": exc.index} if hasattr(exc, "index") else {}
        status_code = STATUS_BY_CODE.get(exc.code, status.HTTP_400_BAD_REQUEST)
        return error_response(exc.code, str(exc), status_code, **extra)
    if isinstance(exc, RequestDataTooBig):
        return error_response("request_too_big", body_too_big_message(), 413)
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
        response.data = error_body(code, str(exc.detail))
    return response


def _validation_body(exc: ValidationError) -> dict:
    detail, codes = exc.detail, exc.get_codes()
    if not isinstance(detail, dict):
        messages = detail if isinstance(detail, list) else [detail]
        first = codes[0] if isinstance(codes, list) and codes else "invalid"
        return error_body(str(first), " ".join(map(str, messages)))
    fields = {name: _flatten(value) for name, value in detail.items()}
    name, messages = next(iter(fields.items()))
    code = _first_code(codes.get(name)) if isinstance(codes, dict) else "invalid"
    label = "" if name == "non_field_errors" else f"{name}: "
    return error_body(code, label + messages[0], fields=fields)


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
