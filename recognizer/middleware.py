"""Middleware: refuse oversized bodies unread, answer probes early, turn outages into 503s."""

import logging

from django.conf import settings

from recognizer import errors

logger = logging.getLogger(__name__)


class BodySizeLimitMiddleware:
    """Refuse a body from its Content-Length before a byte of it is read.

    Django bounds form fields and JSON bodies only as it reads them, and streams multipart
    files to a temporary file of any size; this answers 413 first, whatever the content type.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = request.META.get("CONTENT_LENGTH") or "0"
        size = int(length) if length.isascii() and length.isdecimal() else 0
        if size > settings.MAX_REQUEST_BYTES:
            response = errors.json_error("request_too_big", errors.body_too_big_message(), 413)
            if request.META.get("SERVER_SOFTWARE", "").startswith("gunicorn"):
                # The unread body makes the connection unusable: gunicorn closes it on this
                # header. PEP 3333 servers (the development server) refuse hop-by-hop headers.
                response["Connection"] = "close"
            return response
        return self.get_response(request)


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


class HealthCheckMiddleware:
    """Answer /healthz and /livez before host validation and the HTTPS redirect.

    Container and load-balancer probes call the process directly over plain HTTP with
    its own address as Host, which ALLOWED_HOSTS (rightly) refuses for everything else.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        from recognizer import health
        from recognizer.api import HealthView, LivenessView  # the views import the models

        health.migrations_on_disk()  # read once at start, not under a probe's timeout
        self.views = {"/healthz": HealthView.as_view(), "/livez": LivenessView.as_view()}

    def __call__(self, request):
        view = self.views.get(request.path)
        if view is not None and request.method in ("GET", "HEAD"):
            return view(request).render()  # a view's response the handler won't render
        return self.get_response(request)
