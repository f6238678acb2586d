"""Pages: the canvas and the history of drawings."""

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.csrf import ensure_csrf_cookie

from recognizer.core import access
from recognizer.core.owners import request_owner
from recognizer.core.params import parse_int
from recognizer.drawings import selectors

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
    digit = parse_int(request.GET.get("digit"), low=0, high=9)
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


def favicon(request):
    """Send /favicon.ico, which browsers and tools ask for by name, to the site's icon."""
    return redirect(static("img/favicon.svg"), permanent=True)
