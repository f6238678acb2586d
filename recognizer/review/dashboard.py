"""The review dashboard's context: selectors' figures laid out as charts and admin links."""

from __future__ import annotations

import math
from urllib.parse import urlencode

from django.urls import reverse

from recognizer.drawings import selectors
from recognizer.modelops import selectors as modelops_selectors
from recognizer.models import NOT_A_DIGIT, Drawing, RetrainJob, label_name
from recognizer.serving import versions
from recognizer.templatetags.figures import percent

DAYS = 30
PAIRS = 10
BAR_AREA = 120  # pixels of the tallest day's bar
SHIFTS = {
    "answers": "mix of answers",
    "not_sure_rate": '"not sure" rate',
    "mean_confidence": "mean confidence",
}
LABEL_GAP = 4  # bars between two day labels, so that "30 Nov" and "1 Dec" never overlap


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
                "name": label_name(predicted),
                "count": count,
                # Row share: how often a true `true` is read as `predicted`.
                "shade": math.ceil(10 * count / total),
                "kind": "hit" if true == predicted else "miss",
                "url": changelist(label__exact=true, answer=predicted),
            }
            for predicted, count in enumerate(counts)
        ]
        rows.append({"label": true, "cells": cells})
    return rows


def _day_bars(days: list[dict]) -> list[dict]:
    tallest = max((day["total"] for day in days), default=0) or 1
    width = 16
    last = len(days) - 1
    return [
        {
            **day,
            "x": index * (width + 2),
            "width": width,
            "height": round(BAR_AREA * day["total"] / tallest),
            "y": BAR_AREA - round(BAR_AREA * day["total"] / tallest),
            # First, last and each month's first day, unless that one would touch either end.
            "labelled": index in (0, last)
            or (day["day"].day == 1 and LABEL_GAP <= index <= last - LABEL_GAP),
        }
        for index, day in enumerate(days)
    ]


def _versions(per_version: list[dict], serving: str | None) -> list[dict]:
    promotions = {}
    for promotion in modelops_selectors.model_promotions():
        promotions.setdefault(promotion.version, promotion)  # newest first: keep the latest
    return [
        {
            **row,
            "serving": row["model_version"] == serving,
            "wrong": row["labelled"] - row["correct"],
            "uncertain_shown": percent(row["uncertain"] / row["total"] if row["total"] else None),
            "uncertain_url": changelist(
                prediction__model_version=row["model_version"], uncertain="yes"
            ),
            "accuracy_shown": percent(row["accuracy"]),
            "promotion": promotions.get(row["model_version"]),
            "url": changelist(prediction__model_version=row["model_version"]),
            "misclassified_url": changelist(
                prediction__model_version=row["model_version"], misclassified="yes"
            ),
        }
        for row in per_version
    ]


def _models(overview: list[dict]) -> list[dict]:
    """Each version's row, with its shares written out and its disagreements one click away."""
    for row in overview:
        live = row["live"] or {}
        row["accuracy_shown"] = percent(live.get("accuracy"))
        row["agreement_shown"] = percent(live.get("agreement_with_serving"))
        row["not_sure_shown"] = percent(live.get("not_sure_rate"))
        row["test_shown"] = percent(row["offline"]["test_accuracy"], 2)
        row["disagreements_url"] = changelist(shadow_disagrees=row["version"])
    return overview


def _review(figures: dict) -> dict:
    """Reviewers' figures with their shares written out, and links to each answer's drawings."""
    for row in figures["reviewers"]:
        row["agreement_shown"] = percent(row["agreement"])
        row["overturn_shown"] = percent(row["overturn_rate"])
    figures["drawer_rows"] = [
        {**row, "name": label_name(row["answer"]), "overturn_shown": percent(row["overturn_rate"])}
        for row in figures["drawer_answers"]
        if row["reviewed"]
    ]
    return figures


def context() -> dict:
    """Return everything the dashboard template shows."""
    drawings = Drawing.objects.all()
    stats = selectors.drawing_stats(drawings)
    serving = versions.serving_version_or_none()
    pairs = selectors.confused_pairs(stats["confusion_matrix"], limit=PAIRS)
    for pair in pairs:
        pair["name"] = label_name(pair["predicted"])
        pair["url"] = changelist(label__exact=pair["label"], answer=pair["predicted"])
    return {
        "stats": stats,
        "accuracy_shown": percent(stats["accuracy"]),
        "serving": serving,
        "serving_promotion": modelops_selectors.model_promotions().filter(version=serving).first(),
        "rollback_target": modelops_selectors.model_rollback_target(serving),
        "promotions": modelops_selectors.model_promotions()[:10],
        "days": _day_bars(selectors.drawings_per_day(drawings, days=DAYS)),
        "days_width": DAYS * 18,
        "bar_area": BAR_AREA,
        "versions": _versions(stats["per_model_version"], serving),
        "matrix": _confusion_rows(stats["confusion_matrix"]),
        "answers": [label_name(a) for a in range(NOT_A_DIGIT + 1)],
        "pairs": pairs,
        "job": RetrainJob.objects.select_related("started_by").first(),
        "review": _review(selectors.review_figures()),
        "models": _models(modelops_selectors.model_versions_overview(serving)),
        "drift": (drift := modelops_selectors.reading_drift()),
        "drift_shifts": ", ".join(SHIFTS[name] for name in drift["shifts"]),
        "queue_url": changelist(),
        "likely_wrong_url": changelist(label_quality="likely_wrong"),
        "second_opinion_url": changelist(label_quality="second_opinion"),
        "misclassified_url": changelist(misclassified="yes"),
        "uncertain_url": changelist(uncertain="yes"),
    }
