"""The site as deployed (gunicorn from the Procfile) against slow and vanishing clients."""

import base64
import json
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from recognizer.models import Drawing
from tests.conftest import subprocess_env
from tests.factories import stroke_png

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server():
    """Gunicorn started by the Procfile's command, on the test database; yields its URL."""
    if connection.vendor != "postgresql":
        pytest.skip("the server process needs the test database on PostgreSQL")
    port = _free_port()
    env = subprocess_env(
        HOST="127.0.0.1", PORT=str(port), WEB_CONCURRENCY="2", GUNICORN_ACCESS_LOG=""
    )
    web = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line[:4] == "web:")
    process = subprocess.Popen(web[4:].split(), cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url)
        yield url
    finally:
        process.terminate()
        process.wait(30)


def _wait_healthy(url: str) -> None:
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError("gunicorn did not start")


def _predict(url: str) -> dict:
    body = json.dumps({"image": base64.b64encode(stroke_png()).decode()}).encode()
    request = urllib.request.Request(
        f"{url}/api/predictions/", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        return json.load(response)


def test_slow_clients_do_not_stall_the_site(server):
    port = int(server.rsplit(":", 1)[1])
    # More slow clients than there are workers: connected, some with half a request line.
    slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(4)]
    try:
        for sock in slow[:2]:
            sock.sendall(b"POST /api/predictions/ HTT")
        started = time.monotonic()
        made = _predict(server)
        with urllib.request.urlopen(f"{server}/healthz", timeout=10) as response:
            assert response.status == 200
        assert time.monotonic() - started < 10
    finally:
        for sock in slow:
            sock.close()
    assert list(Drawing.objects.values_list("id", flat=True)) == [made["id"]]


def test_a_client_that_vanishes_mid_body_stores_nothing(server):
    port = int(server.rsplit(":", 1)[1])
    body = json.dumps({"image": base64.b64encode(stroke_png()).decode()}).encode()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        head = (
            "POST /api/predictions/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        sock.sendall(head.encode() + body[: len(body) // 2])  # then the client goes away
    time.sleep(1)
    _predict(server)  # the site carries on
    assert Drawing.objects.count() == 1


def test_chunked_body_is_read_and_a_long_address_answered_in_json(server):
    import http.client

    host, port = server.removeprefix("http://").split(":")
    body = json.dumps({"image": base64.b64encode(stroke_png()).decode()}).encode()
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    chunks = iter([body[:100], body[100:]])  # no Content-Length: Transfer-Encoding: chunked
    headers = {"Content-Type": "application/json"}
    connection.request("POST", "/api/predictions/", chunks, headers, encode_chunked=True)
    response = connection.getresponse()
    assert response.status == 201 and json.load(response)["digit"] is not None
    connection.request("GET", "/api/predictions/?digit=" + "7" * 5000)
    response = connection.getresponse()
    assert response.status == 414 and json.load(response)["error"]["code"] == "url_too_long"
