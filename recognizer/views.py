"""Pages: the canvas and the history of drawings."""

from django.http import JsonResponse
from django.shortcuts import render

ERROR_NOT_FOUND = "There is nothing at this address."
ERROR_SERVER = "Something went wrong on our side; it has been logged."


def index(request):
    return render(request, "recognizer/index.html")


def history(request):
    return render(request, "recognizer/history.html")


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    """Answer 404 as JSON under /api/ and as a page elsewhere."""
    if _is_api(request):
        return JsonResponse(
            {"error": {"code": "not_found", "message": ERROR_NOT_FOUND}}, status=404
        )
    return render(request, "404.html", {"message": ERROR_NOT_FOUND}, status=404)


def server_error(request):
    """Answer 500 as JSON under /api/ and as a page elsewhere."""
    if _is_api(request):
        return JsonResponse(
            {"error": {"code": "server_error", "message": ERROR_SERVER}}, status=500
        )
    return render(request, "500.html", {"message": ERROR_SERVER}, status=500)
