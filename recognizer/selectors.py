"""Reads that are more than a one-line filter: visibility, statistics, audit trail."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet

from recognizer.models import Drawing, LabelChange
from recognizer.services import Owner


def drawings_visible_to(owner: Owner) -> QuerySet[Drawing]:
    """Staff see every drawing; anyone else only their own."""
    drawings = Drawing.objects.select_related("prediction")
    user = owner.db_user
    if user is not None and user.is_staff:
        return drawings
    return drawings.owned_by(user=user, session_key=owner.session_key)


def drawing_history(drawing: Drawing) -> QuerySet[LabelChange]:
    """Return every label change of a drawing, oldest first."""
    return drawing.label_changes.select_related("changed_by").order_by("created_at", "id")


def drawing_stats(drawings: QuerySet[Drawing]) -> dict:
    """Counts, accuracy on labelled drawings (overall, per digit, per model) and confusion."""
    drawings = drawings.order_by()
    labelled = drawings.filter(label__isnull=False)
    is_correct = Q(prediction__digit=F("label"))
    totals = labelled.aggregate(labelled=Count("id"), correct=Count("id", filter=is_correct))
    confusion = [[0] * 10 for _ in range(10)]
    for row in labelled.values("label", "prediction__digit").annotate(n=Count("id")):
        confusion[row["label"]][row["prediction__digit"]] = row["n"]
    by_version = labelled.values("prediction__model_version").annotate(
        labelled=Count("id"), correct=Count("id", filter=is_correct)
    )
    return {
        "total": drawings.count(),
        "labelled": totals["labelled"],
        "correct": totals["correct"],
        "accuracy": _ratio(totals["correct"], totals["labelled"]),
        "per_digit": [
            {
                "digit": d,
                "labelled": sum(confusion[d]),
                "accuracy": _ratio(confusion[d][d], sum(confusion[d])),
            }
            for d in range(10)
        ],
        "per_model_version": [
            {
                "model_version": row["prediction__model_version"],
                "labelled": row["labelled"],
                "correct": row["correct"],
                "accuracy": _ratio(row["correct"], row["labelled"]),
            }
            for row in by_version.order_by("prediction__model_version")
        ],
        "confusion_matrix": confusion,
    }


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
