"""The database going away: a real refused connection (nothing listens on the port)."""

import contextlib
import socket

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection

from recognizer.core.errors import ERROR_DATABASE_DOWN
from recognizer.drawings import services
from recognizer.models import Drawing, Prediction
from tests.conftest import set_visitor
from tests.factories import stroke_png

pytestmark = pytest.mark.django_db(transaction=True)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free, so nothing listens there once closed


@contextlib.contextmanager
def database_refusing():
    """Point the connection at a port where nothing listens; restore it afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (a network database) to refuse connections")
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def _upload():
    return SimpleUploadedFile("one.png", stroke_png(), content_type="image/png")


def test_predict_answers_503_json_when_the_database_is_down(client):
    with database_refusing():
        response = client.post("/api/predictions/", {"image": _upload()})
    assert response.status_code == 503
    error = response.json()["error"]
    assert error == {"code": "database_unavailable", "message": ERROR_DATABASE_DOWN}
    assert response["Retry-After"]
    assert Drawing.objects.count() == 0


def test_pages_show_a_friendly_503_and_health_says_unavailable(client):
    set_visitor(client, "someone")  # so the history page has rows to query
    with database_refusing():
        page = client.get("/history/")
        health = client.get("/healthz")
    assert page.status_code == 503
    assert ERROR_DATABASE_DOWN in page.content.decode()
    assert health.status_code == 503 and health.json()["database"].startswith("unavailable")


def test_site_recovers_without_a_restart_when_the_database_returns(client):
    with database_refusing():
        assert client.post("/api/predictions/", {"image": _upload()}).status_code == 503
    assert client.get("/healthz").status_code == 200
    assert client.post("/api/predictions/", {"image": _upload()}).status_code == 201
    assert Drawing.objects.count() == 1


def test_nothing_is_half_written_when_the_second_insert_fails(digit_png, monkeypatch):
    # Fault injection, not a mock of a result: the prediction row's INSERT fails after the
    # drawing row's succeeded, as if the connection dropped between them. (A drawing sent
    # with its label is stored by two INSERTs and the label's rows, in one transaction.)
    def dropped(self, *args, **kwargs):
        raise ConnectionError("connection dropped mid-transaction")

    monkeypatch.setattr(Prediction, "save", dropped)
    with pytest.raises(ConnectionError):
        services.drawing_create(image=digit_png(0), source="api", label=3)
    assert Drawing.objects.count() == 0


def test_nothing_is_half_written_when_the_database_refuses_the_prediction(digit_png, monkeypatch):
    # The database itself refuses the prediction row (its check constraint), after the
    # drawing row went in: one statement on PostgreSQL, two INSERTs in a transaction elsewhere.
    new = services._drawing_new

    def refused_prediction(*args, **kwargs):
        drawing = new(*args, **kwargs)
        drawing.prediction.digit = 12  # past validation, as a bug would be
        return drawing

    monkeypatch.setattr(services, "_drawing_new", refused_prediction)
    with pytest.raises(IntegrityError):
        services.drawing_create(image=digit_png(0), source="api")
    assert Drawing.objects.count() == 0 and Prediction.objects.count() == 0
