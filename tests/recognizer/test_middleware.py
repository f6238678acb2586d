import base64
import io
import json

import pytest
from django.core.exceptions import RequestDataTooBig
from django.test import RequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def production_hosts(settings):
    settings.ALLOWED_HOSTS = ["digits.example.com"]
    settings.SECURE_SSL_REDIRECT = True


def test_healthz_answers_a_probe_on_the_container_address(client, production_hosts):
    # What Docker's HEALTHCHECK and load balancers send: plain HTTP, Host = the process.
    response = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_other_paths_still_refuse_unknown_hosts_and_redirect_to_https(client, production_hosts):
    assert client.get("/", HTTP_HOST="127.0.0.1:8000").status_code == 400
    response = client.get("/api/stats/", HTTP_HOST="digits.example.com")
    assert response.status_code == 301 and response["Location"].startswith("https://")


class CountingBody(io.RawIOBase):
    """A request body that says how much of it the server read."""

    def __init__(self, size: int):
        self.size, self.read_bytes = size, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        count = min(len(buffer), self.size - self.read_bytes)
        buffer[:count] = b"0" * count
        self.read_bytes += count
        return count


def call_wsgi(path: str, content_type: str, size: int) -> tuple[str, dict, CountingBody]:
    """Send a body of `size` bytes through the real WSGI application, as gunicorn would."""
    from django.core.wsgi import get_wsgi_application

    body = CountingBody(size)
    environ = RequestFactory().post(path, content_type=content_type).environ
    environ.update({"CONTENT_LENGTH": str(size), "wsgi.input": body})
    answer = {}
    chunks = get_wsgi_application()(environ, lambda status, headers: answer.update(status=status))
    return answer["status"], json.loads(b"".join(chunks)), body


@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data; boundary=xyz", "application/json", "application/octet-stream"],
)
def test_body_over_the_limit_is_413_before_it_is_read(content_type):
    status, body, stream = call_wsgi("/api/predictions/", content_type, 300 * 1024 * 1024)
    assert status.startswith("413") and body["error"]["code"] == "request_too_big"
    assert stream.read_bytes < 1024 * 1024


def test_body_over_the_limit_is_413_under_the_development_server():
    # wsgiref (runserver) refuses hop-by-hop headers such as Connection from the application.
    from wsgiref.handlers import SimpleHandler

    from django.core.wsgi import get_wsgi_application

    environ = RequestFactory().post("/api/predictions/", content_type="application/json").environ
    environ.update({"CONTENT_LENGTH": str(300 * 1024 * 1024), "SERVER_SOFTWARE": "WSGIServer/0.2"})
    out, errors = io.BytesIO(), io.StringIO()
    SimpleHandler(io.BytesIO(b"0" * 1024), out, errors, environ).run(get_wsgi_application())
    assert out.getvalue().split(b"\r\n", 1)[0].endswith(b" 413 Request Entity Too Large")
    assert errors.getvalue() == ""


def test_body_over_the_limit_is_refused_on_pages_too():
    status, _, stream = call_wsgi("/admin/login/", "multipart/form-data; boundary=x", 10**9)
    assert status.startswith("413") and stream.read_bytes == 0


def test_multipart_file_without_a_true_length_stops_at_the_limit(settings):
    from recognizer.core.uploads import SizeLimitUploadHandler

    settings.MAX_REQUEST_BYTES = 1000
    handler = SizeLimitUploadHandler()
    assert handler.receive_data_chunk(b"x" * 1000, 0) == b"x" * 1000
    with pytest.raises(RequestDataTooBig):
        handler.receive_data_chunk(b"x", 1000)


def test_forwarded_proto_from_the_caller_is_not_trusted(client, production_hosts):
    # Without a trusted proxy in front, anyone can send X-Forwarded-Proto: https.
    response = client.get(
        "/api/stats/", HTTP_HOST="digits.example.com", HTTP_X_FORWARDED_PROTO="https"
    )
    assert response.status_code == 301


def test_chunked_body_the_server_left_undecoded_is_asked_for_a_length(client):
    # The development server (and Django's test client) hand a chunked body over as is.
    response = client.post(
        "/api/predictions/", b"", content_type="application/json", HTTP_TRANSFER_ENCODING="chunked"
    )
    assert response.status_code == 411
    assert response.json()["error"]["code"] == "length_required"


def test_chunked_body_the_server_decoded_is_read_within_the_limit(client, settings):
    from recognizer.models import Drawing
    from tests.factories import stroke_png

    body = json.dumps({"image": base64.b64encode(stroke_png()).decode()}).encode()
    chunked = {"wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"}
    # What gunicorn hands over: the decoded body, no Content-Length.
    request = RequestFactory().post("/api/predictions/", body, content_type="application/json")
    request.META.update(chunked, CONTENT_LENGTH="", **{"wsgi.input": io.BytesIO(body)})
    request.META.pop("CONTENT_LENGTH")
    response = client.handler(request.META)
    assert response.status_code == 201 and Drawing.objects.count() == 1
    settings.MAX_REQUEST_BYTES = len(body) - 1
    request.META["wsgi.input"] = io.BytesIO(body)
    assert client.handler(request.META).status_code == 413
    assert Drawing.objects.count() == 1


@pytest.mark.parametrize("path", ["/api/predictions/", "/history/"])
def test_too_long_address_is_a_clear_414(client, path):
    response = client.get(path, {"digit": "7" * 5000}, HTTP_ACCEPT="application/json")
    assert response.status_code == 414
    assert "4096 characters at most" in response.json()["error"]["message"]
