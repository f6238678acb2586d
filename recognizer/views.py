"""Pages: the canvas and the history of drawings."""

from django.shortcuts import render


def index(request):
    return render(request, "recognizer/index.html")


def history(request):
    return render(request, "recognizer/history.html")
