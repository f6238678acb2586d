"""Pages: the canvas and the history of drawings."""

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie

from recognizer.core import access
from recognizer.core.owners import request_owner
from recognizer.core.params import parse_int
from recognizer.drawings import selectors

DIGITS = range(10)
# What the drawing page loads: the service worker keeps it all for offline use. The page
# names the first two through {% static %}; the modules import the rest by their plain names.
PAGE_ASSETS = ("css/site.css", "js/app.js", "img/favicon.svg")
MODULES = (
    "js/answers.js",
    "js/api.js",
    "js/drawing-pad.js",
    "js/judge.js",
    "js/outbox.js",
    "js/preprocess.js",
    "js/reader.js",
    "js/recent.js",
    "js/result.js",
    "vendor/litertjs-2.5.3/litert.js",
    "vendor/litertjs-2.5.3/wasm-utils.js",
    "vendor/litertjs-2.5.3/litert_wasm_compat_internal.js",
    "vendor/litertjs-2.5.3/litert_wasm_compat_internal.wasm",
)
HISTORY_PAGE_SIZE = 24


@ensure_csrf_cookie  # signed-in users' API writes send the token from this cookie
def index(request):
    # The visitor id is in the cookie before the first drawing is stored, so that a drawing
    # stored as the page is left (whose response may never be read) is still theirs.
    request_owner(request, create=True)
    context = {"digits": DIGITS, "model_check_seconds": settings.BROWSER_MODEL_CHECK_SECONDS}
    return render(request, "recognizer/index.html", context)


def service_worker(request):
    """Serve the service worker from the site's root, so that it may keep the drawing page."""
    precache = [
        "/",
        reverse("api:serving-model"),
        *(static(path) for path in PAGE_ASSETS),
        *(settings.STATIC_URL + path for path in MODULES),
    ]
    context = {"precache": precache, "static_url": settings.STATIC_URL}
    response = render(request, "recognizer/sw.js", context, content_type="text/javascript")
    response["Cache-Control"] = "no-cache"  # a new deploy's worker is found on the next visit
    return response


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
