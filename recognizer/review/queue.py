"""The review queue: its order, its filters, and what "✓" confirms."""

from django.conf import settings
from django.contrib import admin
from django.db.models import Case, Value, When

from recognizer.models import ANSWER, LABEL_CHOICES, Drawing, Prediction

# The review queue: unreviewed first, then what the model was not sure about, then least
# confident first, then newest.
QUEUE_ORDER = [
    Case(When(label__isnull=True, then=Value(0)), default=Value(1)).asc(),
    "-prediction__uncertain",
    "prediction__confidence",
    "-id",
]


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
