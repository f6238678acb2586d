"""Who may do what: reviewer and auditor roles built on Django's permission system."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

VIEW = "recognizer.view_drawing"
RELABEL = "recognizer.relabel_drawing"
EXCLUDE = "recognizer.exclude_drawing"
EXPORT = "recognizer.export_drawing"
PROMOTE = "recognizer.promote_model"
VIEW_TRAIL = "recognizer.view_labelchange"
VIEW_PROMOTIONS = "recognizer.view_modelpromotion"
VIEW_RETRAINS = "recognizer.view_retrainjob"

REVIEWERS = "Reviewers"
AUDITORS = "Auditors"
# Reviewers fix labels and keep scribbles out of training; auditors read and export only.
ROLES = {
    REVIEWERS: [VIEW, RELABEL, EXCLUDE, EXPORT, VIEW_TRAIL, VIEW_PROMOTIONS, VIEW_RETRAINS],
    AUDITORS: [VIEW, EXPORT, VIEW_TRAIL, VIEW_PROMOTIONS, VIEW_RETRAINS],
}
WHAT = {
    VIEW: "see every drawing",
    RELABEL: "relabel drawings",
    EXCLUDE: "exclude drawings from training",
    EXPORT: "export labelled drawings",
    PROMOTE: "retrain, promote or roll back models",
}
ERROR_NOT_ALLOWED = "{user} may not {what} (permission {perm})."
ERROR_NO_USER = "There is no user called {name!r}."


def can(user, perm: str) -> bool:
    """Return whether `user` holds `perm` (directly, through a group, or as a superuser)."""
    return bool(user is not None and user.is_authenticated and user.has_perm(perm))


def require(user, perm: str) -> None:
    """Refuse with PermissionDenied unless `user` holds `perm`."""
    if not can(user, perm):
        who = getattr(user, "username", "") or "An anonymous caller"
        raise PermissionDenied(ERROR_NOT_ALLOWED.format(user=who, what=WHAT[perm], perm=perm))


def user_named(name: str | None, *, perm: str):
    """Return the user named by a command's --by (or None), who must hold `perm`."""
    if name is None:
        return None
    try:
        user = get_user_model().objects.get_by_natural_key(name)
    except get_user_model().DoesNotExist:
        raise CommandError(ERROR_NO_USER.format(name=name)) from None
    try:
        require(user, perm)
    except PermissionDenied as error:
        raise CommandError(str(error)) from None
    return user
