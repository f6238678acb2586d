"""/healthz and /livez: what they check (each "ok" or, in plain words, what is wrong), and the
middleware that answers them before host validation."""

import functools

from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from recognizer.serving.predictor import get_predictor

OK = "ok"
# Files every page links; a manifest without them means a page would be a 500.
STATIC_PROBES = ("css/site.css", "js/app.js")


def check_database() -> str:
    """Return whether the database answers a query."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any failure here is the answer, not a crash
        return f"unavailable: {type(exc).__name__}"
    return OK


@functools.cache
def migrations_on_disk() -> frozenset[tuple[str, str]]:
    """Return every migration the code has (read once: files do not change while serving)."""
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def check_migrations() -> str:
    """Return whether every migration the code has is applied to the database."""
    # One plain query: MigrationRecorder would first list every table to find its own.
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(f"SELECT app, name FROM {MigrationRecorder.Migration._meta.db_table}")
            applied = set(cursor.fetchall())
    except DatabaseError:
        applied = set()  # no migration table: nothing was ever applied
    pending = sorted(migrations_on_disk() - applied)
    if pending:
        names = ", ".join(f"{app}.{name}" for app, name in pending[:3])
        return f"{len(pending)} unapplied (run manage.py migrate): {names}"
    return OK


def check_model() -> tuple[str, str]:
    """Return (status, version) of the model this process serves."""
    try:
        return OK, get_predictor().version
    except Exception as exc:
        return f"unavailable: {exc}", ""


def check_static() -> str:
    """Return whether the pages' static files are in the manifest (production storage)."""
    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return OK
    try:
        for name in STATIC_PROBES:
            staticfiles_storage.stored_name(name)
    except ValueError:
        return "manifest missing entries (run collectstatic with DJANGO_DEBUG off)"
    return OK


def health() -> tuple[bool, dict]:
    """Return (healthy, body) for /healthz."""
    model, version = check_model()
    checks = {
        "database": check_database(),
        "migrations": check_migrations(),
        "model": model,
        "static": check_static(),
    }
    healthy = all(value == OK for value in checks.values())
    body = {"status": "ok" if healthy else "unavailable", **checks}
    if version:
        body["model_version"] = version
    return healthy, body


class HealthView(APIView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="Is the site able to serve predictions?",
        description="503 names what is wrong: the database, unapplied migrations, the "
        "model, or static files missing from the manifest.",
        responses={
            200: OpenApiResponse(description="Ready: every check is ok"),
            503: OpenApiResponse(description="Not ready, with the reason per check"),
        },
    )
    def get(self, request):
        healthy, body = health()
        return Response(body, status=200 if healthy else 503)


class LivenessView(APIView):
    """The process answers: for a probe that should restart it only when it hangs."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(summary="Is the process alive?", responses={200: OpenApiResponse()})
    def get(self, request):
        return Response({"status": "ok"})


class HealthCheckMiddleware:
    """Answer /healthz and /livez before host validation and the HTTPS redirect.

    Container and load-balancer probes call the process directly over plain HTTP with
    its own address as Host, which ALLOWED_HOSTS (rightly) refuses for everything else.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        migrations_on_disk()  # read once at start, not under a probe's timeout
        self.views = {"/healthz": HealthView.as_view(), "/livez": LivenessView.as_view()}

    def __call__(self, request):
        view = self.views.get(request.path)
        if view is not None and request.method in ("GET", "HEAD"):
            return view(request).render()  # a view's response the handler won't render
        return self.get_response(request)
