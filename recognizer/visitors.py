"""Who is asking: a signed-in user, or an anonymous visitor known by a signed session cookie."""

import secrets

from recognizer.services import Owner

VISITOR_KEY = "visitor"


def request_owner(request, *, create: bool = False) -> Owner:
    """Return the owner for this request, giving an anonymous visitor an id if `create`."""
    key = request.session.get(VISITOR_KEY, "")
    if not key and create and not request.user.is_authenticated:
        key = secrets.token_hex(16)
        request.session[VISITOR_KEY] = key
    return Owner(user=request.user, session_key=key)
