"""How a drawing shows in the review queue: its pictures, its reading, its review buttons."""

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from recognizer.models import NOT_A_DIGIT, Prediction, label_name
from recognizer.review.queue import confirmable

THUMB = 64
HIDDEN = "hidden until you answer"


def _label_phrase(label: int) -> str:
    return "not a digit" if label == NOT_A_DIGIT else f"a {label}"


class DrawingColumns:
    """The drawing admin's columns and read-only fields."""

    @admin.display(description="Review")
    def review(self, drawing):
        # Buttons of one form outside the changelist's own (forms cannot nest).
        url = reverse("admin:recognizer_drawing_review", args=[drawing.pk])
        confirm = confirmable(drawing)
        buttons = [
            *(
                [("confirm", "✓", "c", f"Confirm #{drawing.pk} is {_label_phrase(confirm)}")]
                if confirm is not None
                else []
            ),
            *[(f"label:{d}", str(d), str(d), f"Label #{drawing.pk} as {d}") for d in range(10)],
            (f"label:{NOT_A_DIGIT}", "∅", "n", f"Label #{drawing.pk} as not a digit"),
            (
                "exclude",
                "✗" if not drawing.excluded_from_training else "↺",
                "x",
                f"{'Include' if drawing.excluded_from_training else 'Exclude'} #{drawing.pk}",
            ),
        ]
        return format_html_join(
            "",
            '<button type="submit" form="review-form" formaction="{}" name="do" value="{}" '
            'class="rv" data-key="{}" aria-label="{}" title="{}">{}</button>',
            ((url, do, key, label, label, text) for do, text, key, label in buttons),
        )

    @admin.display(description="Drawing · model input")
    def thumbnails(self, drawing):
        return self._pictures(drawing, THUMB)

    @admin.display(description="Drawing · what the model saw")
    def pictures(self, drawing):
        return self._pictures(drawing, 3 * THUMB)

    def _pictures(self, drawing, size):
        image = reverse("api:prediction-image", args=[drawing.pk])
        seen = reverse("api:prediction-input", args=[drawing.pk]) + "?scale=6"
        return format_html(
            '<img src="{}" width="{}" height="{}" alt="drawing {}" class="review-thumb">'
            '<img src="{}" width="{}" height="{}" alt="28×28 input" class="review-thumb pixel">',
            image,
            size,
            size,
            drawing.pk,
            seen,
            size,
            size,
        )

    @admin.display(description="Created", ordering="created_at")
    def created(self, drawing):
        return timezone.localtime(drawing.created_at).strftime("%b %-d, %H:%M")

    @admin.display(description="Read as", ordering="prediction__digit")
    def predicted(self, drawing):
        prediction = drawing.prediction
        if prediction.uncertain_reason == Prediction.Uncertainty.NOT_A_DIGIT:
            return f"{prediction.digit}? not a digit"
        if prediction.uncertain:
            return "? " + " or ".join(str(d) for d in prediction.alternatives)
        return prediction.digit

    @admin.display(description="Confidence", ordering="prediction__confidence")
    def confidence(self, drawing):
        return f"{drawing.prediction.confidence:.1%}"

    @admin.display(description="Model", ordering="prediction__model_version")
    def model_version(self, drawing):
        return drawing.prediction.model_version

    @admin.display(description="Probabilities")
    def probabilities(self, drawing):
        return ", ".join(f"{d}: {p:.1%}" for d, p in enumerate(drawing.prediction.probabilities))

    @admin.display(description="Label", ordering="label")
    def label_shown(self, drawing):
        """The label, with how likely it is wrong (the reason on hover) or why it is hidden."""
        if getattr(drawing, "label_hidden", False):
            return HIDDEN
        if drawing.label is None:
            return "-"
        second = " (awaiting a second opinion)" if drawing.needs_second_opinion else ""
        return format_html("{}{} {}", label_name(drawing.label), second, self.label_doubt(drawing))

    @admin.display(description="Label likely wrong", ordering="label_score")
    def label_doubt(self, drawing):
        if getattr(drawing, "label_hidden", False) or drawing.label_score is None:
            return ""
        likely = drawing.label_likely_wrong
        return format_html(
            '<span class="{}" title="{}">{}{}</span>',
            "label-doubt likely" if likely else "label-doubt",
            f"How likely the label is wrong: {drawing.label_score_reason}",
            "⚠ " if likely else "",
            f"{drawing.label_score:.0%}",
        )
