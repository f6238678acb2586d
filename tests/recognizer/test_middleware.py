import pytest

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
