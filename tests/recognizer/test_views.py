import pytest
from django.contrib.staticfiles import finders

from tests.conftest import set_visitor
from tests.factories import DrawingFactory

pytestmark = pytest.mark.django_db


def test_index_page_has_the_test_hooks(client):
    html = client.get("/").content.decode()
    for hook in (
        'id="digit-canvas"',
        'id="clear"',
        'id="undo"',
        'id="prediction-digit"',
        'id="probabilities"',
        'id="feedback-correct"',
        'data-label="0"',
        'data-label="9"',
    ):
        assert hook in html, hook
    assert "https://" not in html.split("<main")[0]  # no CDN in the head


def test_history_page_shows_only_the_visitors_drawings(client):
    set_visitor(client, "me")
    mine = DrawingFactory(session_key="me", label=7, prediction__digit=1)
    other = DrawingFactory(session_key="someone-else")
    html = client.get("/history/").content.decode()
    assert f'data-id="{mine.pk}"' in html and f'data-id="{other.pk}"' not in html
    assert "✗ Wrong" in html


def test_history_page_filters_and_paginates(client):
    set_visitor(client, "me")
    DrawingFactory.create_batch(30, session_key="me", prediction__digit=1)
    wrong = DrawingFactory(session_key="me", label=4, prediction__digit=1)
    first = client.get("/history/").content.decode()
    assert first.count('class="history-item') == 24 and "Page 1 of 2" in first
    assert client.get("/history/?page=2").content.decode().count('class="history-item') == 7
    only_wrong = client.get("/history/?wrong=1").content.decode()
    assert only_wrong.count('class="history-item') == 1 and f'data-id="{wrong.pk}"' in only_wrong
    assert "No drawings yet" in client.get("/history/?digit=5").content.decode()


def test_history_page_shows_everyone_to_staff(client, staff_user):
    DrawingFactory.create_batch(2, session_key="a")
    client.force_login(staff_user)
    html = client.get("/history/").content.decode()
    assert html.count('class="history-item') == 2
    assert "Review them in the admin" in html


def test_unknown_page_is_a_friendly_404_and_api_404_is_json(client, settings):
    settings.DEBUG = False
    assert b"Not found" in client.get("/no/such/page/").content
    response = client.get("/api/no-such-endpoint/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_security_headers_are_sent(client):
    response = client.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


def test_favicon_ico_leads_to_the_site_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("img/favicon.svg")
    assert finders.find("img/favicon.svg")  # a file the site serves (after collectstatic)
