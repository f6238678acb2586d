"""/healthz tells the truth: 503, with the reason, whenever a page or a predict would fail."""

import json

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_with_every_check(client):
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["model_version"]
    assert {body[name] for name in ("database", "migrations", "model", "static")} == {"ok"}


def test_healthz_is_503_with_an_unapplied_migration(client):
    # What Django itself sees on a database the latest release has not migrated yet.
    latest = MigrationRecorder.Migration.objects.filter(app="recognizer").latest("id")
    MigrationRecorder(connection).record_unapplied("recognizer", latest.name)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["migrations"].startswith("1 unapplied")
    assert latest.name in response.json()["migrations"]


def test_healthz_is_503_when_no_migration_was_ever_applied(client):
    MigrationRecorder.Migration.objects.all().delete()
    body = client.get("/healthz").json()
    assert body["status"] == "unavailable" and "unapplied" in body["migrations"]


def test_healthz_is_503_when_the_model_cannot_load(client, settings, tmp_path):
    settings.MODEL_PATH = tmp_path  # an empty folder: no model to serve
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["model"].startswith("unavailable")


def test_healthz_is_503_when_static_files_miss_the_manifest(client, settings, tmp_path):
    # A collectstatic run in debug mode leaves no manifest; every page would then be a 500.
    (tmp_path / "staticfiles.json").write_text(json.dumps({"version": "1.1", "paths": {}}))
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    response = client.get("/healthz")
    assert response.status_code == 503 and "manifest" in response.json()["static"]


def test_livez_answers_without_checks(client, settings, tmp_path):
    settings.MODEL_PATH = tmp_path
    assert client.get("/livez").json() == {"status": "ok"}
