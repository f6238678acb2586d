"""Reads about model versions: the promotion history and the rollback target."""

from django.db.models import QuerySet

from recognizer.models import ModelPromotion


def model_promotions() -> QuerySet[ModelPromotion]:
    """Return every promotion and rollback, newest first, with who made it."""
    return ModelPromotion.objects.select_related("promoted_by")


def model_rollback_target(serving: str | None) -> str | None:
    """Return the version a rollback from `serving` serves again, or None if none is recorded.

    That is the version `serving` replaced when it was last put into service by a retrain or by
    hand: a rollback never re-serves the version that was itself just rolled back from.
    """
    replaced = (
        ModelPromotion.objects.filter(version=serving)
        .exclude(action=ModelPromotion.Action.ROLLBACK)
        .values_list("previous_version", flat=True)
        .first()
    )
    return replaced or None
