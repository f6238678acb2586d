"""Who is asking: a signed-in user, or an anonymous visitor known by a signed cookie.

Visitors carry only their id, signed, in their own cookie: no session row per visitor.
A cookie that identifies someone also makes their writes subject to CSRF, signed in or not.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.utils.crypto import salted_hmac
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, CSRFCheck
from rest_framework.exceptions import PermissionDenied
from rest_framework.throttling import BaseThrottle

if TYPE_CHECKING:
    from recognizer.models import Drawing

ERROR_CSRF = (
    "This request comes with the site's cookie but without its CSRF token: send the "
    "csrftoken cookie's value in an X-CSRFToken header, or call without cookies."
)
VISITOR_COOKIE = "visitor"
SALT = "recognizer.visitor"
# Visitors from before the id had its own cookie: it sat in a signed-cookie session.
LEGACY_SESSION_SALT = "django.contrib.sessions.backends.signed_cookies"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


@dataclass(frozen=True)
class Owner:
    """Who made a drawing: a signed-in user, or an anonymous browser session."""

    user: AbstractBaseUser | None = None
    session_key: str = ""

    @property
    def db_user(self):
        return self.user if self.user is not None and self.user.is_authenticated else None

    def owns(self, drawing: Drawing) -> bool:
        """Return whether this owner made `drawing` (the rule of `Drawing.objects.owned_by`)."""
        if self.db_user is not None and drawing.user_id == self.db_user.pk:
            return True
        return (
            bool(self.session_key)
            and drawing.user_id is None
            and (drawing.session_key == self.session_key)
        )


def request_owner(request, *, create: bool = False) -> Owner:
    """Return the owner for this request, giving an anonymous visitor an id if `create`."""
    http = _http(request)
    if not hasattr(http, "visitor_id"):
        http.visitor_id = _visitor_from_cookies(http)
    if not http.visitor_id and create and not request.user.is_authenticated:
        http.visitor_id = secrets.token_hex(16)
        http.visitor_is_new = True
    return Owner(user=request.user, session_key=http.visitor_id)


def idempotency_owner(request) -> str:
    """Return whose namespace the request's Idempotency-Key lives in.

    A signed-in user's, a visitor's (by their cookie), or for a caller with neither (a
    script without cookies) its address, kept only as a keyed hash.
    """
    owner = request_owner(request)
    if owner.db_user is not None:
        return f"user:{owner.db_user.pk}"
    if owner.session_key and not getattr(_http(request), "visitor_is_new", False):
        return f"visitor:{owner.session_key}"
    return f"address:{salted_hmac(SALT, client_address(request)).hexdigest()[:40]}"


def client_address(request) -> str:
    """Return the caller's address: X-Forwarded-For only as far as trusted proxies set it."""
    return BaseThrottle().get_ident(request)  # the rate limits' own rule


def _http(request):
    return getattr(request, "_request", request)  # DRF's Request wraps Django's


def _visitor_from_cookies(request) -> str:
    key = request.get_signed_cookie(VISITOR_COOKIE, default="", salt=SALT)
    if key:
        return key
    legacy = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    try:
        session = signing.loads(legacy, salt=LEGACY_SESSION_SALT) if ":" in legacy else {}
    except signing.BadSignature:
        return ""
    key = session.get("visitor", "") if isinstance(session, dict) else ""
    request.visitor_is_new = bool(key)  # moved into its own cookie on the way out
    return key


class VisitorCookieMiddleware:
    """Set the visitor cookie on the response that gave a visitor their id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "visitor_is_new", False):
            response.set_signed_cookie(
                VISITOR_COOKIE,
                request.visitor_id,
                salt=SALT,
                max_age=settings.VISITOR_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


class VisitorCsrfCheck(BaseAuthentication):
    """Give anonymous visitors' writes the CSRF check DRF gives signed-in sessions.

    Listed after the session and token classes, so it only sees callers they did not
    authenticate; scripts without the site's cookies are not affected.
    """

    def authenticate(self, request):
        if request.method not in SAFE_METHODS and VISITOR_COOKIE in request.COOKIES:
            check = CSRFCheck(lambda _request: None)
            check.process_request(request)
            if check.process_view(request, None, (), {}):
                raise PermissionDenied(ERROR_CSRF)
        return None


class VisitorCookieScheme(OpenApiAuthenticationExtension):
    """Describe the visitor cookie in the OpenAPI schema; it identifies, never authorizes."""

    target_class = VisitorCsrfCheck
    name = "visitorCookie"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": VISITOR_COOKIE,
            "description": "Set by the site for anonymous visitors; requests that send it "
            "must also send the csrftoken cookie's value in X-CSRFToken.",
        }

    def get_security_requirement(self, auto_schema):
        return None
