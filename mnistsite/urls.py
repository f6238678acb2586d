"""URL configuration: pages, the API, its OpenAPI description, health and admin."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("", include("recognizer.urls")),
]

handler400 = "recognizer.core.errors.bad_request"
handler403 = "recognizer.core.errors.forbidden"
handler404 = "recognizer.core.errors.not_found"
handler500 = "recognizer.core.errors.server_error"
