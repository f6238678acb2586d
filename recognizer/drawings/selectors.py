"""Reads that are more than a one-line filter: visibility, statistics, audit trail."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from itertools import combinations

import numpy as np
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from ml.config import SIDE
from ml.data import Digits
from recognizer.core import access
from recognizer.core.owners import Owner
from recognizer.models import (
    ANSWER,
    NOT_A_DIGIT,
    READ_RIGHT,
    Drawing,
    LabelChange,
)

REVIEWER_COUNTS = ("reviewed", "compared", "agreed", "drawer_answers", "overturned")


def drawings_visible_to(owner: Owner) -> QuerySet[Drawing]:
    """Reviewers and auditors see every drawing; anyone else only their own."""
    drawings = Drawing.objects.select_related("prediction")
    user = owner.db_user
    if access.can(user, access.VIEW):
        return drawings
    return drawings.owned_by(user=user, session_key=owner.session_key)


def drawing_history(drawing: Drawing) -> QuerySet[LabelChange]:
    """Return every label change of a drawing, oldest first."""
    return drawing.label_changes.select_related("changed_by").order_by("created_at", "id")


def drawing_stats(drawings: QuerySet[Drawing]) -> dict:
    """Counts, accuracy on labelled drawings (overall, per digit, per model) and confusion.

    Right and wrong are READ_RIGHT's: agreeing that a drawing is "not a digit" is right.
    """
    drawings = drawings.order_by()
    counts = {
        "total": Count("id"),
        "uncertain": Count("id", filter=Q(prediction__uncertain=True)),
        "labelled": Count("id", filter=Q(label__isnull=False)),
        "correct": Count("id", filter=READ_RIGHT),
    }
    totals = drawings.aggregate(**counts, not_a_digit=Count("id", filter=Q(label=NOT_A_DIGIT)))
    # Rows: the true digit; columns: the model's answer, digits 0-9 then "not a digit".
    confusion = [[0] * (NOT_A_DIGIT + 1) for _ in range(10)]
    digits = drawings.filter(label__lt=NOT_A_DIGIT).annotate(answer=ANSWER)
    for row in digits.values("label", "answer").annotate(n=Count("id")):
        confusion[row["label"]][row["answer"]] = row["n"]
    by_version = drawings.values("prediction__model_version").annotate(**counts)
    return {
        **totals,
        "accuracy": ratio(totals["correct"], totals["labelled"]),
        "per_digit": [
            {
                "digit": d,
                "labelled": sum(confusion[d]),
                "accuracy": ratio(confusion[d][d], sum(confusion[d])),
            }
            for d in range(10)
        ],
        "per_model_version": [
            {
                "model_version": row["prediction__model_version"],
                "total": row["total"],
                "uncertain": row["uncertain"],
                "labelled": row["labelled"],
                "correct": row["correct"],
                "accuracy": ratio(row["correct"], row["labelled"]),
            }
            for row in by_version.order_by("prediction__model_version")
        ],
        "confusion_matrix": confusion,
        "browser": _browser_agreement(drawings),
    }


def _browser_agreement(drawings: QuerySet[Drawing]) -> dict:
    """Count the page's own readings, and those that showed another digit than the server's."""
    read = drawings.filter(prediction__browser_digit__isnull=False)
    same = Q(prediction__browser_version=F("prediction__model_version"))
    return read.aggregate(
        readings=Count("id"),
        same_version=Count("id", filter=same),
        disagreements=Count(
            "id", filter=same & ~Q(prediction__browser_digit=F("prediction__digit"))
        ),
    )


def ratio(part: int, whole: int) -> float | None:
    """Return part / whole to four places, or None when there is no whole."""
    return round(part / whole, 4) if whole else None


def drawings_per_day(drawings: QuerySet[Drawing], *, days: int) -> list[dict]:
    """Return drawings, labelled and correct counts for each of the last `days` days."""
    today = timezone.localdate()
    start = today - dt.timedelta(days=days - 1)
    rows = (
        drawings.order_by()
        .filter(created_at__date__gte=start)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(
            total=Count("id"),
            labelled=Count("id", filter=Q(label__isnull=False)),
            correct=Count("id", filter=READ_RIGHT),
        )
    )
    by_day = {row["day"]: row for row in rows}
    empty = {"total": 0, "labelled": 0, "correct": 0}
    return [
        {"day": day, **{k: by_day.get(day, empty)[k] for k in empty}}
        for day in (start + dt.timedelta(days=n) for n in range(days))
    ]


def confused_pairs(confusion: list[list[int]], *, limit: int) -> list[dict]:
    """Return the most frequent (true digit, answer) mistakes, most frequent first."""
    pairs = [
        {"label": true, "predicted": predicted, "count": count}
        for true, row in enumerate(confusion)
        for predicted, count in enumerate(row)
        if true != predicted and count
    ]
    return sorted(pairs, key=lambda p: (-p["count"], p["label"], p["predicted"]))[:limit]


def drawings_labelled(drawings: QuerySet[Drawing]) -> Digits:
    """Return the labelled drawings of `drawings`, oldest first, exactly as the model saw them."""
    rows = list(drawings.labelled().order_by("id").values_list("id", "label", "model_input"))
    inputs = np.frombuffer(b"".join(bytes(row[2]) for row in rows), dtype=np.uint8)
    return Digits(
        images=inputs.reshape(-1, SIDE, SIDE),
        labels=np.array([row[1] for row in rows], dtype=np.uint8),
        ids=np.array([row[0] for row in rows], dtype=np.int64),
    )


def review_figures() -> dict:
    """How reviewers decide, how often drawers' answers hold, and what waits for a person."""
    return {
        "reviewers": _per_reviewer(),
        "drawer_answers": _drawer_answers(),
        "waiting": {
            "likely_wrong": Drawing.objects.likely_wrong().count(),
            "second_opinion": Drawing.objects.filter(needs_second_opinion=True).count(),
        },
    }


def _per_reviewer() -> list[dict]:
    """Per reviewer: drawings reviewed, agreement with other reviewers, drawers overturned.

    A reviewer's label on a drawing is the last one they gave it.
    """
    changes = LabelChange.objects.filter(source=Drawing.LabelSource.REVIEW).exclude(changed_by=None)
    given: dict[int, dict[str, int]] = defaultdict(dict)
    drawer: dict[int, int | None] = {}
    for pk, reviewer, label, drawer_label in changes.order_by("created_at", "id").values_list(
        "drawing_id", "changed_by__username", "new_label", "drawing__drawer_label"
    ):
        given[pk][reviewer], drawer[pk] = label, drawer_label
    counts: dict[str, dict] = defaultdict(lambda: dict.fromkeys(REVIEWER_COUNTS, 0))
    for pk, labels in given.items():
        for reviewer, label in labels.items():
            counts[reviewer]["reviewed"] += 1
            counts[reviewer]["drawer_answers"] += drawer[pk] is not None
            counts[reviewer]["overturned"] += drawer[pk] not in (None, label)
        for (a, label_a), (b, label_b) in combinations(labels.items(), 2):
            for reviewer in (a, b):
                counts[reviewer]["compared"] += 1
                counts[reviewer]["agreed"] += label_a == label_b
    return [
        {
            "reviewer": name,
            **counts[name],
            "agreement": ratio(counts[name]["agreed"], counts[name]["compared"]),
            "overturn_rate": ratio(counts[name]["overturned"], counts[name]["drawer_answers"]),
        }
        for name in sorted(counts)
    ]


def _drawer_answers() -> list[dict]:
    """For each answer a drawer can give (0-9, not a digit): settled by review, and overturned."""
    settled = Drawing.objects.reviewed().filter(drawer_label__isnull=False).order_by()
    rows = settled.values("drawer_label").annotate(
        reviewed=Count("id"), overturned=Count("id", filter=~Q(label=F("drawer_label")))
    )
    found = {row["drawer_label"]: (row["reviewed"], row["overturned"]) for row in rows}
    answers = []
    for answer in range(NOT_A_DIGIT + 1):
        reviewed, overturned = found.get(answer, (0, 0))
        answers.append(
            {
                "answer": answer,
                "reviewed": reviewed,
                "overturned": overturned,
                "overturn_rate": ratio(overturned, reviewed),
            }
        )
    return answers
