"""Who is asking: revocable sessions for users, a signed id for visitors, CSRF for both."""

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client
from rest_framework.test import APIClient

from recognizer.models import Drawing
from recognizer.visitors import LEGACY_SESSION_SALT, VISITOR_COOKIE
from tests.factories import DrawingFactory, stroke_png
from tests.recognizer.test_api import PREDICT, data_url

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def test_admin_session_cookie_replayed_after_logout_is_refused(staff_user):
    browser = Client()
    browser.post("/admin/login/", {"username": staff_user.username, "password": PASSWORD})
    stolen = browser.cookies[settings.SESSION_COOKIE_NAME].value
    assert browser.get("/admin/").status_code == 200
    browser.post("/admin/logout/")
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = stolen
    response = replay.get("/admin/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_canvas_page_gives_a_visitor_id_without_a_session_row(client):
    from django.contrib.sessions.models import Session

    response = client.get("/")
    assert response.cookies[VISITOR_COOKIE]["httponly"]
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert not Session.objects.exists()


def visitor_client() -> APIClient:
    """A browser that opened the canvas page: it has the visitor and csrftoken cookies."""
    browser = APIClient(enforce_csrf_checks=True)
    browser.get("/")
    return browser


def test_visitor_write_without_the_csrf_token_is_refused():
    response = visitor_client().post(PREDICT, {"image": data_url(stroke_png())}, format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    assert "X-CSRFToken" in response.json()["error"]["message"]
    assert not Drawing.objects.exists()


def test_visitor_write_with_the_csrf_token_is_stored_as_theirs():
    browser = visitor_client()
    token = browser.cookies["csrftoken"].value
    payload = {"image": data_url(stroke_png())}
    response = browser.post(PREDICT, payload, format="json", headers={"X-CSRFToken": token})
    assert response.status_code == 201
    assert browser.get(PREDICT).json()["count"] == 1


def test_feedback_from_another_site_is_refused(digit_png):
    browser = visitor_client()
    token = browser.cookies["csrftoken"].value
    payload = {"image": data_url(digit_png(0))}
    drawing = browser.post(PREDICT, payload, format="json", headers={"X-CSRFToken": token})
    # A form on another site can make the browser send its cookies, never the token.
    response = browser.patch(f"{PREDICT}{drawing.json()['id']}/", {"label": 3}, format="json")
    assert response.status_code == 403
    assert Drawing.objects.get().label is None


def test_script_without_cookies_needs_no_csrf_token():
    client = APIClient(enforce_csrf_checks=True)
    response = client.post(PREDICT, {"image": data_url(stroke_png())}, format="json")
    assert response.status_code == 201


def test_visitor_from_a_signed_cookie_session_keeps_their_drawings(client):
    DrawingFactory(session_key="old-visitor")
    legacy = signing.dumps({"visitor": "old-visitor"}, salt=LEGACY_SESSION_SALT, compress=True)
    client.cookies[settings.SESSION_COOKIE_NAME] = legacy
    response = client.get(PREDICT)
    assert response.json()["count"] == 1
    assert response.cookies[VISITOR_COOKIE].value  # moved into its own cookie


def test_forged_visitor_cookie_is_ignored(client):
    DrawingFactory(session_key="someone-else")
    client.cookies[VISITOR_COOKIE] = "someone-else"
    assert client.get(PREDICT).json()["count"] == 0
