"""The review queue: its order, why each drawing is in it, its filters, what "✓" confirms.

Labels the model finds likely wrong (and labels awaiting a second opinion) come first, then
what the model was not sure about, then low confidence, then the rest; drawings a reviewer has
settled come last in the admin and are not in the API's queue. Within each group the likeliest
wrong label comes first, then the least confident reading, then the newest drawing.
"""

from django.conf import settings
from django.contrib import admin
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Value, When

from recognizer.models import (
    ANSWER,
    LABEL_CHOICES,
    Drawing,
    ModelVersion,
    Prediction,
    ShadowReading,
    likely_wrong_q,
)

SECOND_OPINION = "second_opinion"
LABEL_DISAGREES = "label_disagrees"
NOT_SURE = "not_sure"
LOW_CONFIDENCE = "low_confidence"
UNREVIEWED = "unreviewed"
REASONS = [SECOND_OPINION, LABEL_DISAGREES, NOT_SURE, LOW_CONFIDENCE, UNREVIEWED]
SETTLED = 4  # the rank of drawings that need nothing more from this reviewer


def _settled(user) -> Q:
    """Drawings a reviewer has settled, and those whose second opinion `user` is waiting for."""
    done = Q(label_source=Drawing.LabelSource.REVIEW, needs_second_opinion=False)
    return done | Q(needs_second_opinion=True, labelled_by=getattr(user, "pk", None))


def queue_rank(user) -> Case:
    """Rank each drawing's place in `user`'s queue: 0 comes first, SETTLED last."""
    return Case(
        When(_settled(user), then=Value(SETTLED)),
        When(likely_wrong_q() | Q(needs_second_opinion=True), then=Value(0)),
        When(prediction__uncertain=True, then=Value(1)),
        When(prediction__confidence__lt=settings.LOW_CONFIDENCE, then=Value(2)),
        default=Value(3),
    )


def queue_order(user) -> list:
    """Return the queue's order for `user`: the same in the admin and in the API."""
    return [
        queue_rank(user).asc(),
        F("label_score").desc(nulls_last=True),
        "prediction__confidence",
        "-id",
    ]


def drawings_in_queue(user) -> QuerySet[Drawing]:
    """Return the drawings that need `user`'s review, in the queue's order."""
    drawings = Drawing.objects.select_related("prediction").defer("image", "model_input")
    return drawings.exclude(_settled(user)).order_by(*queue_order(user))


def review_reasons(drawing: Drawing, user) -> list[str]:
    """Say why `drawing` is in `user`'s queue, most pressing first (empty when settled)."""
    pending = drawing.needs_second_opinion and drawing.labelled_by_id != getattr(user, "pk", None)
    reasons = [SECOND_OPINION] if pending else []
    if drawing.label_source == Drawing.LabelSource.REVIEW:
        return reasons
    prediction = drawing.prediction
    if drawing.label_likely_wrong:
        reasons.append(LABEL_DISAGREES)
    if prediction.uncertain:
        reasons.append(NOT_SURE)
    if prediction.confidence < settings.LOW_CONFIDENCE:
        reasons.append(LOW_CONFIDENCE)
    return [*reasons, UNREVIEWED]


def confirmable(drawing: Drawing) -> int | None:
    """Return the label that confirms the model's answer; None when it was not sure between digits.

    "✓" on a drawing the model called "not a digit" means "not a digit", never its hidden digit.
    """
    prediction = drawing.prediction
    if prediction.uncertain_reason == Prediction.Uncertainty.AMBIGUOUS:
        return None
    return prediction.answer


class MisclassifiedFilter(admin.SimpleListFilter):
    title = "correctness"
    parameter_name = "misclassified"

    def lookups(self, request, model_admin):
        return [("yes", "Misclassified"), ("no", "Correct"), ("unreviewed", "Unreviewed")]

    def queryset(self, request, queryset):
        return {
            "yes": queryset.misclassified,
            "no": queryset.correct,
            "unreviewed": queryset.unreviewed,
        }.get(self.value(), queryset.all)()


class LabelQualityFilter(admin.SimpleListFilter):
    title = "label"
    parameter_name = "label_quality"

    def lookups(self, request, model_admin):
        return [
            ("likely_wrong", "Label likely wrong"),
            ("second_opinion", "Awaiting a second opinion"),
            ("waiting", "Held out of training until reviewed"),
        ]

    def queryset(self, request, queryset):
        return {
            "likely_wrong": queryset.likely_wrong,
            "second_opinion": lambda: queryset.filter(needs_second_opinion=True),
            "waiting": queryset.awaiting_person,
        }.get(self.value(), queryset.all)()


class ConfidenceFilter(admin.SimpleListFilter):
    title = "confidence"
    parameter_name = "confidence"

    def lookups(self, request, model_admin):
        return [("low", f"Low (below {settings.LOW_CONFIDENCE:.0%})"), ("high", "High")]

    def queryset(self, request, queryset):
        if self.value() == "low":
            return queryset.low_confidence(settings.LOW_CONFIDENCE)
        if self.value() == "high":
            return queryset.exclude(pk__in=queryset.low_confidence(settings.LOW_CONFIDENCE))
        return queryset


class UncertainFilter(admin.SimpleListFilter):
    title = "not sure"
    parameter_name = "uncertain"

    def lookups(self, request, model_admin):
        return [
            ("yes", "Not sure (either reason)"),
            *Prediction.Uncertainty.choices,
            ("no", "Sure"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "yes":
            return queryset.uncertain()
        if value == "no":
            return queryset.filter(prediction__uncertain=False)
        if value in Prediction.Uncertainty.values:
            return queryset.filter(prediction__uncertain_reason=value)
        return queryset


class AnswerFilter(admin.SimpleListFilter):
    """What the model answered: a digit, or "not a digit" (the dashboard's matrix links here)."""

    title = "answer"
    parameter_name = "answer"

    def lookups(self, request, model_admin):
        return [(str(value), name) for value, name in LABEL_CHOICES]

    def queryset(self, request, queryset):
        if self.value() in {str(value) for value, _ in LABEL_CHOICES}:
            return queryset.annotate(answer=ANSWER).filter(answer=int(self.value()))
        return queryset


class ShadowDisagreesFilter(admin.SimpleListFilter):
    """Drawings a shadowing version read otherwise than the served model (the dashboard links)."""

    title = "shadow disagrees"
    parameter_name = "shadow_disagrees"

    def lookups(self, request, model_admin):
        shadows = ModelVersion.objects.filter(shadow_since__isnull=False).values_list(
            "name", flat=True
        )
        known = {*shadows, *([self.value()] if self.value() else [])}
        return [(name, name) for name in sorted(known)]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        other = ShadowReading.objects.filter(drawing=OuterRef("pk"), version=self.value()).exclude(
            answer=OuterRef("served_answer")
        )
        return queryset.annotate(served_answer=ANSWER).filter(Exists(other))
