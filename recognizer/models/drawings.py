"""Drawings and their predictions, with the queries that say which were read right."""

import contextlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connections, models, router, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length
from django.db.models.lookups import Exact

from ml.config import PIXELS
from recognizer.models.sql import JSONArrayLength, insert_sql, owned_q

DIGIT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(9)]
NOT_A_DIGIT = 10  # a label (and the model's eleventh output): the drawing is no digit at all
LABEL_VALIDATORS = [MinValueValidator(0), MaxValueValidator(NOT_A_DIGIT)]
LABEL_CHOICES = [*((d, str(d)) for d in range(10)), (NOT_A_DIGIT, "Not a digit")]
INPUT_BYTES = PIXELS


def label_name(label: int) -> str:
    """Return a label in words: "7", or "not a digit"."""
    return "not a digit" if label == NOT_A_DIGIT else str(label)


ERROR_PROBABILITIES = "Probabilities must be a list of 10 numbers between 0 and 1."
ERROR_INPUT_SIZE = "The model input must be exactly 784 bytes (28x28 grey levels)."


# What the model answered, as a label: NOT_A_DIGIT when it said the drawing is no digit, else
# its digit ("not sure" between digits still answers its likeliest one). A drawing is read right
# when its label is that answer: READ_RIGHT in queries, `Drawing.read_right` on a row; a test
# holds the two equal. Every "correct", "wrong" and accuracy on the site counts with these.
ANSWER = Case(
    When(prediction__uncertain_reason="not_a_digit", then=Value(NOT_A_DIGIT)),
    default=F("prediction__digit"),
    output_field=models.PositiveSmallIntegerField(),
)
READ_RIGHT = Q(label=ANSWER)


def likely_wrong_q() -> Q:
    """A label the model doubts (LABEL_LIKELY_WRONG or more) that no reviewer has settled."""
    return Q(label_score__gte=settings.LABEL_LIKELY_WRONG) & ~Q(label_source="review")


def validate_probabilities(value) -> None:
    if not (
        isinstance(value, list)
        and len(value) == 10
        and all(isinstance(p, int | float) and 0 <= p <= 1 for p in value)
    ):
        raise ValidationError(ERROR_PROBABILITIES, code="probabilities")


def validate_model_input(value) -> None:
    if len(value) != INPUT_BYTES:
        raise ValidationError(ERROR_INPUT_SIZE, code="model_input")


class DrawingQuerySet(models.QuerySet):
    def labelled(self):
        return self.filter(label__isnull=False)

    def unreviewed(self):
        return self.filter(label__isnull=True)

    def misclassified(self):
        return self.labelled().exclude(READ_RIGHT)

    def correct(self):
        return self.labelled().filter(READ_RIGHT)

    def low_confidence(self, threshold: float):
        return self.filter(prediction__confidence__lt=threshold)

    def reviewed(self):
        """Drawings a reviewer has settled: labelled in review, no second opinion awaited."""
        return self.filter(label_source="review", needs_second_opinion=False)

    def likely_wrong(self):
        """Labels the model doubts (LABEL_LIKELY_WRONG) that no reviewer has looked at."""
        return self.filter(likely_wrong_q())

    def awaiting_person(self):
        """Labels that wait for a reviewer: likely wrong, or awaiting a second opinion."""
        return self.filter(likely_wrong_q() | Q(needs_second_opinion=True))

    def for_training(self):
        """Labelled drawings that may train; none that wait for a reviewer."""
        # "Not a digit" answers stay out: the digit classes are what training learns from them.
        return (
            self.labelled()
            .filter(excluded_from_training=False)
            .exclude(label=NOT_A_DIGIT)
            .exclude(likely_wrong_q() | Q(needs_second_opinion=True))
        )

    def uncertain(self):
        return self.filter(prediction__uncertain=True)

    def insert_with_prediction(self, drawing: "Drawing") -> None:
        """Insert a new drawing and its `drawing.prediction` in one statement (PostgreSQL only).

        One round trip instead of five (BEGIN, two INSERTs, COMMIT and the connection
        check before them); a single statement is atomic in itself. Django's own compiler
        writes each INSERT, so the columns and values are those `save()` would write.
        """
        using, prediction = router.db_for_write(self.model), drawing.prediction
        drawing_sql, drawing_params = insert_sql(drawing, using, [Drawing._meta.pk])
        prediction.drawing_id = RawSQL("(SELECT id FROM new_drawing)", ())
        returning = [Prediction._meta.pk, Prediction._meta.get_field("drawing")]
        prediction_sql, prediction_params = insert_sql(prediction, using, returning)
        connection = connections[using]
        # Inside a transaction, a savepoint leaves it usable after a refused row.
        with transaction.atomic(using) if connection.in_atomic_block else contextlib.nullcontext():
            with connection.cursor() as cursor:
                cursor.execute(
                    f"WITH new_drawing AS ({drawing_sql}) {prediction_sql}",
                    (*drawing_params, *prediction_params),
                )
                prediction.pk, drawing.pk = cursor.fetchone()
        for row in (drawing, prediction):
            row._state.adding, row._state.db = False, using
        prediction.drawing = drawing

    def owned_by(self, *, user=None, session_key: str = ""):
        """Drawings made by this signed-in user or this anonymous browser session."""
        return self.filter(owned_q(user=user, session_key=session_key))


class Drawing(models.Model):
    class Source(models.TextChoices):
        CANVAS = "canvas", "Canvas"
        UPLOAD = "upload", "Upload"
        API = "api", "API"

    class LabelSource(models.TextChoices):
        FEEDBACK = "feedback", "Feedback from the person who drew it"
        REVIEW = "review", "Staff review"
        SUBMITTED = "submitted", "Given with the drawing"

    image = models.BinaryField(help_text="The image exactly as received.")
    content_type = models.CharField(max_length=40)
    model_input = models.BinaryField(
        validators=[validate_model_input], help_text="The 28x28 grey levels the model saw."
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.API)
    # Both looked up through the indexes in Meta, which also order by date: a drawing is
    # stored with as few index entries as its reads need (no LIKE index, no user_id twice).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="drawings",
        db_index=False,
    )
    session_key = models.CharField(max_length=40, blank=True)
    idempotency_key = models.CharField(
        max_length=72,
        blank=True,
        help_text="The client's Idempotency-Key (KEY/INDEX for a batch's images): a retried "
        "request returns this drawing.",
    )
    idempotency_owner = models.CharField(
        max_length=80,
        blank=True,
        help_text="Whose key it is (user:ID, visitor:ID or address:HASH): keys never cross owners.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    label = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        choices=LABEL_CHOICES,
        validators=LABEL_VALIDATORS,
        help_text=f"The true digit, or {NOT_A_DIGIT} when the drawing is not a digit.",
    )
    label_source = models.CharField(max_length=10, choices=LabelSource.choices, blank=True)
    labelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    labelled_at = models.DateTimeField(null=True, blank=True)
    drawer_label = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        choices=LABEL_CHOICES,
        validators=LABEL_VALIDATORS,
        help_text="The drawer's own answer, kept when a reviewer changes the label.",
    )
    label_score = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="How likely the label is wrong: 1 - the probability a model that never "
        "trained on the drawing gives it.",
    )
    label_score_reason = models.CharField(max_length=200, blank=True)
    needs_second_opinion = models.BooleanField(
        default=False,
        help_text="A reviewer's label disagreeing with the drawer and the model: it trains "
        "once another reviewer agrees.",
    )
    excluded_from_training = models.BooleanField(
        default=False, help_text="Scribbles and non-digits stay out of training."
    )

    objects = DrawingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("relabel_drawing", "Can relabel drawings (review)"),
            ("exclude_drawing", "Can exclude drawings from training"),
            ("export_drawing", "Can export labelled drawings"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(label__isnull=True) | Q(label__gte=0, label__lte=NOT_A_DIGIT),
                name="drawing_label_is_digit_or_not_a_digit",
            ),
            models.CheckConstraint(
                condition=Exact(Length("model_input"), INPUT_BYTES),
                name="drawing_model_input_784_bytes",
            ),
            models.CheckConstraint(
                condition=Q(source__in=["canvas", "upload", "api"]), name="drawing_source_known"
            ),
            models.CheckConstraint(
                condition=Q(label_score__isnull=True) | Q(label_score__gte=0, label_score__lte=1),
                name="drawing_label_score_in_0_1",
            ),
            models.UniqueConstraint(
                fields=["idempotency_key", "idempotency_owner"],
                condition=~Q(idempotency_key=""),
                name="drawing_idempotency_key_per_owner",
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at"], name="drawing_newest"),
            models.Index(fields=["label", "-created_at"], name="drawing_by_label"),
            models.Index(
                fields=["-created_at"], condition=Q(label__isnull=True), name="drawing_unreviewed"
            ),
            models.Index(fields=["user", "-created_at"], name="drawing_by_user"),
            models.Index(fields=["session_key", "-created_at"], name="drawing_by_session"),
        ]

    def __str__(self) -> str:
        return f"Drawing #{self.pk}"

    @property
    def label_likely_wrong(self) -> bool:
        """Return whether the model finds the label likely wrong (LABEL_LIKELY_WRONG or more)."""
        return self.label_score is not None and self.label_score >= settings.LABEL_LIKELY_WRONG

    @property
    def read_right(self) -> bool | None:
        """Return whether the label is the model's answer (None while unlabelled)."""
        return None if self.label is None else self.label == self.prediction.answer


class Prediction(models.Model):
    class Uncertainty(models.TextChoices):
        NOT_A_DIGIT = "not_a_digit", "Does not look like a digit"
        AMBIGUOUS = "ambiguous", "Cannot tell between digits"

    drawing = models.OneToOneField(Drawing, on_delete=models.CASCADE, related_name="prediction")
    digit = models.PositiveSmallIntegerField(validators=DIGIT_VALIDATORS)
    confidence = models.FloatField(validators=[MinValueValidator(0), MaxValueValidator(1)])
    probabilities = models.JSONField(validators=[validate_probabilities])
    model_version = models.CharField(max_length=64)
    inference_ms = models.FloatField(help_text="Preprocessing and model time, per digit.")
    uncertain = models.BooleanField(
        default=False, help_text="The model said it was not sure (see uncertain_reason)."
    )
    uncertain_reason = models.CharField(max_length=12, choices=Uncertainty.choices, blank=True)
    alternatives = models.JSONField(
        default=list, blank=True, help_text="The likeliest digits, most likely first."
    )
    not_digit_probability = models.FloatField(
        default=0.0, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    # What the page showed, read in the browser; the server's reading above stays the authority.
    browser_version = models.CharField(
        max_length=64, blank=True, help_text="The version the browser read it with, if it did."
    )
    browser_digit = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=DIGIT_VALIDATORS, help_text="The digit it showed."
    )
    browser_probabilities = models.JSONField(
        null=True, blank=True, validators=[validate_probabilities]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(uncertain=True, uncertain_reason__in=["not_a_digit", "ambiguous"])
                | Q(uncertain=False, uncertain_reason=""),
                name="prediction_uncertain_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(digit__gte=0, digit__lte=9), name="prediction_digit_is_digit"
            ),
            models.CheckConstraint(
                condition=Q(confidence__gte=0, confidence__lte=1),
                name="prediction_confidence_in_0_1",
            ),
            models.CheckConstraint(
                condition=Exact(JSONArrayLength("probabilities"), 10),
                name="prediction_ten_probabilities",
            ),
            models.CheckConstraint(
                condition=Q(browser_digit__isnull=True, browser_version="")
                | (Q(browser_digit__gte=0, browser_digit__lte=9) & ~Q(browser_version="")),
                name="prediction_browser_reading_whole",
            ),
        ]
        indexes = [
            models.Index(fields=["digit"], name="prediction_by_digit"),
            models.Index(fields=["confidence"], name="prediction_by_confidence"),
            models.Index(fields=["model_version", "digit"], name="prediction_by_version"),
            models.Index(
                fields=["model_version"], condition=Q(uncertain=True), name="prediction_uncertain"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.digit} ({self.confidence:.0%}) by {self.model_version}"

    @property
    def answer(self) -> int:
        """Return what the model answered, as a label (see ANSWER)."""
        return NOT_A_DIGIT if self.uncertain_reason == self.Uncertainty.NOT_A_DIGIT else self.digit
