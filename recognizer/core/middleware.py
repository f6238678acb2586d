"""Middleware: bodies and addresses checked before a byte is read, outages as 503s."""

import io
import logging

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream

from recognizer.core import errors

logger = logging.getLogger(__name__)


class BodySizeLimitMiddleware:
    """Refuse a body from its Content-Length before a byte of it is read.

    Django bounds form fields and JSON bodies only as it reads them, and streams multipart
    files to a temporary file of any size; this answers 413 first, whatever the content type.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if len(request.META.get("PATH_INFO", "")) + len(request.META.get("QUERY_STRING", "")) > (
            settings.MAX_URL_LENGTH
        ):
            return errors.error_page(request, "url_too_long", errors.url_too_long_message(), 414)
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            return self._chunked(request)
        length = request.META.get("CONTENT_LENGTH") or "0"
        size = int(length) if length.isascii() and length.isdecimal() else 0
        if size > settings.MAX_REQUEST_BYTES:
            return self._too_big(request)
        return self.get_response(request)

    def _chunked(self, request):
        """Read a chunked body the server has decoded, within the limit; else ask for a length."""
        if not request.META.get("wsgi.input_terminated"):
            # The development server hands the chunks over undecoded: Django would see none.
            return errors.json_error("length_required", errors.ERROR_LENGTH_REQUIRED, 411)
        body = request.META["wsgi.input"].read(settings.MAX_REQUEST_BYTES + 1)
        if len(body) > settings.MAX_REQUEST_BYTES:
            return self._too_big(request)
        # Django reads a body up to its Content-Length, which a chunked request lacks.
        request.META["CONTENT_LENGTH"] = str(len(body))
        request._stream = LimitedStream(io.BytesIO(body), len(body))
        return self.get_response(request)

    def _too_big(self, request):
        response = errors.json_error("request_too_big", errors.body_too_big_message(), 413)
        if request.META.get("SERVER_SOFTWARE", "").startswith("gunicorn"):
            # The unread body makes the connection unusable: gunicorn closes it on this
            # header. PEP 3333 servers (the development server) refuse hop-by-hop headers.
            response["Connection"] = "close"
        return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        except Exception as exception:
            # Session and auth middleware touch the database outside any view.
            if errors.is_outage(exception):
                logger.warning("database unavailable: %s", exception)
                return errors.database_unavailable(request)
            raise

    def process_exception(self, request, exception):
        if errors.is_outage(exception):
            logger.warning("database unavailable: %s", exception)
            return errors.database_unavailable(request)
        return None
