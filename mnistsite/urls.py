"""URL configuration: pages, the API, its OpenAPI description, health and admin."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("", include("recognizer.urls")),
]

handler404 = "recognizer.views.not_found"
handler500 = "recognizer.views.server_error"
