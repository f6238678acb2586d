"""Who is asking: revocable sessions for users, a signed id for visitors, CSRF for both."""

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client
from rest_framework.test import APIClient

from recognizer.core.owners import LEGACY_SESSION_SALT, VISITOR_COOKIE
from recognizer.models import Drawing
from tests.factories import DrawingFactory, stroke_png
from tests.helpers import PREDICT, data_url

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


def sign_in(browser: Client, username: str, password: str, address: str = "203.0.113.5"):
    data = {"username": username, "password": password, "next": "/admin/"}
    return browser.post("/admin/login/", data, REMOTE_ADDR=address)


def test_admin_sign_in_locks_out_after_wrong_passwords_even_with_the_right_one(staff_user):
    browser = Client()
    for _ in range(10):
        sign_in(browser, staff_user.username, "wrong password")
    response = sign_in(browser, staff_user.username, PASSWORD)
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert "15 minutes" in response.content.decode()
    assert browser.get("/admin/").status_code == 302  # not signed in


def test_admin_sign_in_lockout_holds_per_account_and_per_address(staff_user):
    for _ in range(5):
        sign_in(Client(), staff_user.username, "wrong password", address="203.0.113.5")
    # The account is locked from any address; the address is locked for any account.
    assert (
        sign_in(Client(), staff_user.username, PASSWORD, address="198.51.100.1").status_code == 429
    )
    assert sign_in(Client(), "someone-else", PASSWORD, address="203.0.113.5").status_code == 429


def test_admin_sign_in_after_a_few_wrong_passwords_still_works(staff_user):
    browser = Client()
    for _ in range(4):
        sign_in(browser, staff_user.username, "wrong password")
    response = sign_in(browser, staff_user.username, PASSWORD)
    assert response.status_code == 302 and browser.get("/admin/").status_code == 200
