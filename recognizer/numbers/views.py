"""The number page: a wide canvas that reads a whole number."""

from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from recognizer.core.owners import request_owner


@ensure_csrf_cookie  # signed-in users' API writes send the token from this cookie
def number(request):
    request_owner(request, create=True)  # the visitor id is set before the first store
    return render(request, "recognizer/number.html")
