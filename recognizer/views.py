"""Pages: the canvas, the history of drawings, and friendly errors."""

from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from recognizer import access, selectors
from recognizer.visitors import request_owner

ERROR_NOT_FOUND = "There is nothing at this address."
ERROR_SERVER = "Something went wrong on our side; it has been logged."
DIGITS = range(10)
HISTORY_PAGE_SIZE = 24


@ensure_csrf_cookie  # signed-in users' API writes send the token from this cookie
def index(request):
    # The visitor id is in the cookie before the first drawing is stored, so that a drawing
    # stored as the page is left (whose response may never be read) is still theirs.
    request_owner(request, create=True)
    return render(request, "recognizer/index.html", {"digits": DIGITS})


def history(request):
    owner = request_owner(request)
    drawings = selectors.drawings_visible_to(owner).defer("image", "model_input")
    wrong = request.GET.get("wrong") == "1"
    digit = request.GET.get("digit", "")
    digit = int(digit) if digit.isdigit() and int(digit) < 10 else None
    if wrong:
        drawings = drawings.misclassified()
    if digit is not None:
        drawings = drawings.filter(prediction__digit=digit)
    page = Paginator(drawings, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page_obj": page,
        "digits": DIGITS,
        "wrong": wrong,
        "digit": digit,
        "everyone": access.can(owner.db_user, access.VIEW),
        "query": query.urlencode() + "&" if query else "",
    }
    return render(request, "recognizer/history.html", context)


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
