"""The review dashboard's context: selectors' figures laid out as charts and admin links."""

from __future__ import annotations

import math
from urllib.parse import urlencode

from django.urls import reverse

from recognizer import retraining, selectors
from recognizer.models import Drawing, RetrainJob

DAYS = 30
PAIRS = 10
BAR_AREA = 120  # pixels of the tallest day's bar


def changelist(**filters) -> str:
    """Return the admin change list of drawings with these list filters applied."""
    url = reverse("admin:recognizer_drawing_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def _confusion_rows(confusion: list[list[int]]) -> list[dict]:
    """Return the matrix as table rows; each cell shaded by its share of the row (0-10)."""
    rows = []
    for true, counts in enumerate(confusion):
        total = sum(counts) or 1
        cells = [
            {
                "predicted": predicted,
                "count": count,
                # Row share: how often a true `true` is read as `predicted`.
                "shade": math.ceil(10 * count / total),
                "kind": "hit" if true == predicted else "miss",
                "url": changelist(label__exact=true, prediction__digit__exact=predicted),
            }
            for predicted, count in enumerate(counts)
        ]
        rows.append({"label": true, "cells": cells})
    return rows


def _day_bars(days: list[dict]) -> list[dict]:
    tallest = max((day["total"] for day in days), default=0) or 1
    width = 16
    return [
        {
            **day,
            "x": index * (width + 2),
            "width": width,
            "height": round(BAR_AREA * day["total"] / tallest),
            "y": BAR_AREA - round(BAR_AREA * day["total"] / tallest),
        }
        for index, day in enumerate(days)
    ]


def _versions(per_version: list[dict], serving: str | None) -> list[dict]:
    promotions = {}
    for promotion in selectors.model_promotions():
        promotions.setdefault(promotion.version, promotion)  # newest first: keep the latest
    return [
        {
            **row,
            "serving": row["model_version"] == serving,
            "wrong": row["labelled"] - row["correct"],
            "uncertain_shown": _percent(row["uncertain"] / row["total"] if row["total"] else None),
            "uncertain_url": changelist(
                prediction__model_version=row["model_version"], uncertain="yes"
            ),
            "accuracy_shown": _percent(row["accuracy"]),
            "promotion": promotions.get(row["model_version"]),
            "url": changelist(prediction__model_version=row["model_version"]),
            "misclassified_url": changelist(
                prediction__model_version=row["model_version"], misclassified="yes"
            ),
        }
        for row in per_version
    ]


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share:.1%}"


def context() -> dict:
    """Return everything the dashboard template shows."""
    drawings = Drawing.objects.all()
    stats = selectors.drawing_stats(drawings)
    serving = retraining.model_serving_version_or_none()
    pairs = selectors.confused_pairs(stats["confusion_matrix"], limit=PAIRS)
    for pair in pairs:
        pair["url"] = changelist(
            label__exact=pair["label"], prediction__digit__exact=pair["predicted"]
        )
    return {
        "stats": stats,
        "accuracy_shown": _percent(stats["accuracy"]),
        "serving": serving,
        "serving_promotion": selectors.model_promotions().filter(version=serving).first(),
        "promotions": selectors.model_promotions()[:10],
        "days": _day_bars(selectors.drawings_per_day(drawings, days=DAYS)),
        "days_width": DAYS * 18,
        "bar_area": BAR_AREA,
        "versions": _versions(stats["per_model_version"], serving),
        "matrix": _confusion_rows(stats["confusion_matrix"]),
        "digits": range(10),
        "pairs": pairs,
        "job": RetrainJob.objects.select_related("started_by").first(),
        "unreviewed_url": changelist(misclassified="unreviewed"),
        "misclassified_url": changelist(misclassified="yes"),
        "uncertain_url": changelist(uncertain="yes"),
    }
