"""Reads of numbers."""

from django.db.models import QuerySet

from recognizer.core import access
from recognizer.core.owners import Owner
from recognizer.models import Number


def numbers_visible_to(owner: Owner) -> QuerySet[Number]:
    """Reviewers and auditors see every number; anyone else only their own."""
    numbers = Number.objects.with_digits().defer("image")
    if access.can(owner.db_user, access.VIEW):
        return numbers
    return numbers.owned_by(user=owner.db_user, session_key=owner.session_key)
