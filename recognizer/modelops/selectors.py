"""Reads about model versions: promotions, the rollback target, live figures, shadows."""

import datetime as dt

from django.db.models import (
    Avg,
    Case,
    Count,
    F,
    PositiveSmallIntegerField,
    Q,
    QuerySet,
    StdDev,
    Value,
    When,
)
from django.utils import timezone

from ml import drift
from recognizer.drawings.selectors import ratio
from recognizer.models import (
    ANSWER,
    NOT_A_DIGIT,
    READ_RIGHT,
    Drawing,
    ModelPromotion,
    ModelVersion,
    RetrainJob,
    ShadowReading,
)
from recognizer.serving import versions


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


# The served answer of a shadow reading's drawing, as a label (ANSWER, one join further).
SERVED_ANSWER = Case(
    When(drawing__prediction__uncertain_reason="not_a_digit", then=Value(NOT_A_DIGIT)),
    default=F("drawing__prediction__digit"),
    output_field=PositiveSmallIntegerField(),
)
OFFLINE = ("test_accuracy", "canvas_accuracy", "digits_flagged", "negatives_flagged")


def retrain_job_for(version: str) -> QuerySet[RetrainJob]:
    """Return the retrain job that produced `version` (empty for other versions)."""
    return RetrainJob.objects.filter(candidate=version)


def model_live_evidence(candidate: str, serving: str) -> dict:
    """Count the labelled live drawings both read, and how often each was right on them."""
    both = ShadowReading.objects.filter(
        version=candidate, drawing__label__isnull=False, drawing__prediction__model_version=serving
    )
    counts = both.aggregate(
        count=Count("id"),
        new=Count("id", filter=Q(drawing__label=F("answer"))),
        current=Count("id", filter=Q(drawing__label=SERVED_ANSWER)),
    )
    count = counts["count"]
    return {
        "count": count,
        "current": ratio(counts["current"], count),
        "new": ratio(counts["new"], count),
    }


def model_versions_overview(serving: str | None) -> list[dict]:
    """Every version: whether it serves or shadows, its promotion, offline and live figures."""
    stored = {v.name: v for v in ModelVersion.objects.defer("archive")}
    served = _served_figures()
    shadows = _shadow_figures()
    names = sorted({*stored, *served, *([serving] if serving else [])}, reverse=True)
    promotions = {}
    for promotion in model_promotions().exclude(action=ModelPromotion.Action.ROLLBACK):
        promotions.setdefault(promotion.version, promotion)  # newest first
    return [
        {
            "version": name,
            "serving": name == serving,
            "shadowing": bool(stored.get(name) and stored[name].shadow_since),
            "shadow_since": stored[name].shadow_since if name in stored else None,
            "promotion": promotions.get(name),
            "offline": _offline(stored.get(name), name),
            "live": shadows.get(name) if name != serving and name in shadows else served.get(name),
        }
        for name in names
    ]


def _offline(stored: ModelVersion | None, name: str) -> dict:
    metrics = stored.metrics if stored else versions.local_metrics(name)
    report = stored.report if stored else {}
    return {
        **{key: metrics.get(key) for key in OFFLINE},
        "held_out_real_accuracy": report.get("real_new"),
        "held_out_real_count": report.get("real_count"),
    }


def _served_figures() -> dict[str, dict]:
    rows = (
        Drawing.objects.order_by()
        .values("prediction__model_version")
        .annotate(
            readings=Count("id"),
            labelled=Count("id", filter=Q(label__isnull=False)),
            right=Count("id", filter=READ_RIGHT),
            not_sure=Count("id", filter=Q(prediction__uncertain=True)),
        )
    )
    return {row["prediction__model_version"]: _live(row, "served", agreement=None) for row in rows}


def _shadow_figures() -> dict[str, dict]:
    rows = (
        ShadowReading.objects.order_by()
        .values("version")
        .annotate(
            readings=Count("id"),
            labelled=Count("id", filter=Q(drawing__label__isnull=False)),
            right=Count("id", filter=Q(drawing__label=F("answer"))),
            not_sure=Count("id", filter=Q(uncertain=True)),
            agree=Count("id", filter=Q(answer=SERVED_ANSWER)),
        )
    )
    return {
        row["version"]: _live(row, "shadow", agreement=ratio(row["agree"], row["readings"]))
        for row in rows
    }


def _live(row: dict, source: str, *, agreement: float | None) -> dict:
    return {
        "source": source,
        "readings": row["readings"],
        "labelled": row["labelled"],
        "accuracy": ratio(row["right"], row["labelled"]),
        "agreement_with_serving": agreement,
        "not_sure_rate": ratio(row["not_sure"], row["readings"]),
    }


def reading_drift() -> dict:
    """This week's reading mix against the four weeks before it, judged by `ml.drift`."""
    now = timezone.now()
    week, before = now - dt.timedelta(days=7), now - dt.timedelta(days=35)
    drawings = Drawing.objects.order_by()
    this_week = _window(drawings.filter(created_at__gte=week))
    weeks_before = _window(drawings.filter(created_at__gte=before, created_at__lt=week))
    return {
        "this_week": _window_shown(this_week),
        "weeks_before": _window_shown(weeks_before),
        **drift.judge(this_week, weeks_before),
    }


def _window(drawings: QuerySet[Drawing]) -> drift.Window:
    totals = drawings.aggregate(
        drawings=Count("id"),
        not_sure=Count("id", filter=Q(prediction__uncertain=True)),
        mean=Avg("prediction__confidence"),
        sd=StdDev("prediction__confidence", sample=True),
    )
    rows = drawings.annotate(answer=ANSWER).values("answer").annotate(n=Count("id"))
    counts = {row["answer"]: row["n"] for row in rows}
    return drift.Window(
        drawings=totals["drawings"],
        answers=[counts.get(answer, 0) for answer in range(NOT_A_DIGIT + 1)],
        not_sure=totals["not_sure"],
        confidence_mean=totals["mean"],
        confidence_sd=totals["sd"],
    )


def _window_shown(window: drift.Window) -> dict:
    return {
        "drawings": window.drawings,
        "answer_shares": [ratio(n, window.drawings) for n in window.answers],
        "not_sure_rate": ratio(window.not_sure, window.drawings),
        "mean_confidence": None
        if window.confidence_mean is None
        else round(window.confidence_mean, 4),
    }
