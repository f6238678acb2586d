"""What the page needs to read drawings itself: which version serves, and its browser file.

A version's browser file never changes once written, so it is served under a URL naming the
version and cached for a year; which version serves is asked again (no-cache), so a page
learns of a promotion within a minute and fetches the new file once.
"""

from pathlib import Path

from django.conf import settings
from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ml.inference import BROWSER_MODEL
from recognizer.core.errors import json_error
from recognizer.serving import versions
from recognizer.serving.predictor import get_predictor

ERROR_NO_BROWSER_MODEL = "Version {version} has no browser model; read through /api/readings/."
IMMUTABLE = "public, max-age=31536000, immutable"


class CalibrationSerializer(serializers.Serializer):
    temperature = serializers.FloatField()
    not_digit_threshold = serializers.FloatField()
    ambiguous_threshold = serializers.FloatField()


class ServingModelSerializer(serializers.Serializer):
    version = serializers.CharField(help_text="The version every host serves now.")
    browser_model = serializers.URLField(
        allow_null=True, help_text="Its browser file (null: this version reads on the server only)."
    )
    calibration = CalibrationSerializer(
        help_text='How its outputs become probabilities and "not sure".'
    )


def browser_file(version: str) -> Path | None:
    """Return `version`'s browser file on this host, unpacked from the database if need be.

    A host whose folder of versions predates browser files finds the shipped ones' files
    where the site ships them.
    """
    models_dir = versions.models_folder()
    if not versions.version_unpack(models_dir=models_dir, version=version):
        return None
    for folder in (models_dir, Path(settings.SHIPPED_MODEL_PATH)):
        if (folder / version / BROWSER_MODEL).is_file():
            return folder / version / BROWSER_MODEL
    return None


def serving_model(request) -> dict:
    """Return the serving version, the URL of its browser file (or None) and its calibration."""
    predictor = get_predictor()
    version = predictor.version
    has_file = browser_file(version) is not None
    url = reverse("browser-model", kwargs={"version": version}) if has_file else None
    calibration = predictor.calibration
    return {
        "version": version,
        "browser_model": request.build_absolute_uri(url) if url else None,
        "calibration": {
            "temperature": calibration.temperature,
            "not_digit_threshold": calibration.not_digit_threshold,
            "ambiguous_threshold": calibration.ambiguous_threshold,
        },
    }


class ServingModelView(APIView):
    """Which version serves, for a page that reads drawings in the browser."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="Which model version serves, and its browser file", responses=ServingModelSerializer
    )
    def get(self, request):
        response = Response(serving_model(request))
        response["Cache-Control"] = "no-cache"
        return response


def browser_model(request, version: str):
    """Serve a version's browser file, cached for good: a version never changes."""
    path = browser_file(version)
    if path is None:
        return json_error("not_found", ERROR_NO_BROWSER_MODEL.format(version=version), 404)
    response = FileResponse(path.open("rb"), content_type="application/octet-stream")
    response["Cache-Control"] = IMMUTABLE
    return response
