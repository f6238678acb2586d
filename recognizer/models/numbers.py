"""Whole numbers: one drawing of several digits, each digit stored as a drawing of its own."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from recognizer.models.drawings import Drawing
from recognizer.models.sql import owned_q

ERROR_BOX = (
    "A box is four whole numbers: left, top, right, bottom, with left < right, top < bottom."
)


def validate_box(value) -> None:
    if not (
        isinstance(value, list)
        and len(value) == 4
        and all(isinstance(v, int) and v >= 0 for v in value)
        and value[0] < value[2]
        and value[1] < value[3]
    ):
        raise ValidationError(ERROR_BOX, code="box")


class NumberQuerySet(models.QuerySet):
    def owned_by(self, *, user=None, session_key: str = ""):
        """Numbers drawn by this signed-in user or this anonymous browser session."""
        return self.filter(owned_q(user=user, session_key=session_key))

    def with_digits(self):
        return self.prefetch_related(
            models.Prefetch(
                "digits",
                queryset=NumberDigit.objects.select_related("drawing__prediction")
                .defer("drawing__image", "drawing__model_input")
                .order_by("position"),
            )
        )


class Number(models.Model):
    """A drawn number as received; its digits are drawings, in reading order."""

    image = models.BinaryField(help_text="The image exactly as received.")
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    source = models.CharField(
        max_length=10, choices=Drawing.Source.choices, default=Drawing.Source.API
    )
    model_version = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="numbers",
        db_index=False,
    )
    session_key = models.CharField(max_length=40, blank=True)
    idempotency_key = models.CharField(max_length=72, blank=True)
    idempotency_owner = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = NumberQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key", "idempotency_owner"],
                condition=~Q(idempotency_key=""),
                name="number_idempotency_key_per_owner",
            ),
            models.CheckConstraint(
                condition=Q(source__in=["canvas", "upload", "api"]), name="number_source_known"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="number_by_user"),
            models.Index(fields=["session_key", "-created_at"], name="number_by_session"),
        ]

    def __str__(self) -> str:
        return f"Number #{self.pk}"


class NumberDigit(models.Model):
    """One digit of a number: its drawing, its place in the number and in the image."""

    number = models.ForeignKey(Number, on_delete=models.CASCADE, related_name="digits")
    drawing = models.OneToOneField(Drawing, on_delete=models.CASCADE, related_name="number_digit")
    position = models.PositiveSmallIntegerField(help_text="0 for the leftmost digit.")
    box = models.JSONField(
        validators=[validate_box], help_text="Left, top, right, bottom, in the image's pixels."
    )

    class Meta:
        ordering = ["number", "position"]
        constraints = [
            models.UniqueConstraint(fields=["number", "position"], name="number_digit_position"),
        ]

    def __str__(self) -> str:
        return f"Digit {self.position} of number #{self.number_id}"
