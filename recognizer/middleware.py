"""Turn a database outage into a clear 503 instead of a 500."""

import logging

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import JsonResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)

ERROR_DATABASE_DOWN = "The database is unavailable right now; please try again in a moment."
RETRY_AFTER_SECONDS = "5"


def is_outage(exception: Exception) -> bool:
    """Return whether `exception` means the database cannot be reached."""
    return isinstance(exception, OperationalError | InterfaceError) or (
        isinstance(exception, DatabaseError) and "connection" in str(exception).lower()
    )


def database_unavailable_response(request):
    """Answer 503 as JSON for API clients and as a friendly page for people."""
    wants_json = request.path.startswith("/api/") or "json" in request.headers.get("Accept", "")
    if wants_json:
        response = JsonResponse(
            {"error": {"code": "database_unavailable", "message": ERROR_DATABASE_DOWN}},
            status=503,
        )
    else:
        response = render(request, "503.html", {"message": ERROR_DATABASE_DOWN}, status=503)
    response["Retry-After"] = RETRY_AFTER_SECONDS
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        except Exception as exception:
            # Session and auth middleware touch the database outside any view.
            if is_outage(exception):
                logger.warning("database unavailable: %s", exception)
                return database_unavailable_response(request)
            raise

    def process_exception(self, request, exception):
        if is_outage(exception):
            logger.warning("database unavailable: %s", exception)
            return database_unavailable_response(request)
        return None


class HealthCheckMiddleware:
    """Answer /healthz before host validation and the HTTPS redirect.

    Container and load-balancer probes call the process directly over plain HTTP with
    its own address as Host, which ALLOWED_HOSTS (rightly) refuses for everything else.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        from recognizer.api import HealthView  # the view imports the app's models

        self.health = HealthView.as_view()

    def __call__(self, request):
        if request.path == "/healthz" and request.method in ("GET", "HEAD"):
            return self.health(request).render()  # a view's response the handler won't render
        return self.get_response(request)
