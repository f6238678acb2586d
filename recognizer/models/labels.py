"""The audit trail of every label change: append-only."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from recognizer.models.drawings import LABEL_CHOICES, LABEL_VALIDATORS, NOT_A_DIGIT, Drawing


class LabelChange(models.Model):
    """One change of a drawing's label: old -> new, by whom, when. Never edited."""

    # PROTECT: a drawing with label history cannot be deleted; the trail is append-only.
    drawing = models.ForeignKey(Drawing, on_delete=models.PROTECT, related_name="label_changes")
    old_label = models.PositiveSmallIntegerField(null=True, blank=True, choices=LABEL_CHOICES)
    new_label = models.PositiveSmallIntegerField(choices=LABEL_CHOICES, validators=LABEL_VALIDATORS)
    source = models.CharField(max_length=10, choices=Drawing.LabelSource.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # deactivate a reviewer's account rather than delete it
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(new_label__gte=0, new_label__lte=NOT_A_DIGIT)
                & (Q(old_label__isnull=True) | Q(old_label__gte=0, old_label__lte=NOT_A_DIGIT)),
                name="label_change_labels_are_labels",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.drawing_id}: {self.old_label} → {self.new_label}"
