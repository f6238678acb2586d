"""Model versions as every host can read them, their promotions, and retrain jobs."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class ModelVersion(models.Model):
    """A trained model where every host can read it: its folder's files, zipped.

    Model.tflite (served), model.keras (to fine-tune from), metrics, curves and the
    retrain report: about 2.6 MB a version, written once, read once per host.
    """

    name = models.CharField(max_length=64, unique=True)
    archive = models.BinaryField()
    metrics = models.JSONField(default=dict, blank=True)
    report = models.JSONField(default=dict, blank=True, help_text="The retrain comparison.")
    created_at = models.DateTimeField(auto_now_add=True)
    shadow_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="While set, a worker reads every drawing stored since then with this version "
        "too, beside the serving one (a shadow); cleared when it is promoted or dismissed.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class ModelPromotion(models.Model):
    """A model version put into service: which one, replacing which, when, by whom, and why."""

    class Action(models.TextChoices):
        RETRAIN = "retrain", "Promoted after retraining"
        MANUAL = "manual", "Promoted by hand"
        ROLLBACK = "rollback", "Rolled back"

    version = models.CharField(max_length=64)
    previous_version = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when promoted from the command line without --by.",
    )
    promoted_at = models.DateTimeField(auto_now_add=True)
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-promoted_at", "-id"]
        permissions = [("promote_model", "Can retrain, promote and roll back models")]
        get_latest_by = ["promoted_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=["retrain", "manual", "rollback"]),
                name="promotion_action_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} since {self.promoted_at:%Y-%m-%d %H:%M}"


class RetrainJob(models.Model):
    """One retraining run: who started it, how far it got, and what it produced."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Training"
        SUCCEEDED = "succeeded", "Finished"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # True while queued or running, NULL after: the unique constraint below is the lock
    # that lets at most one retrain run at a time, across every host.
    active = models.BooleanField(null=True, default=True, editable=False)
    options = models.JSONField(default=dict)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when started from the command line without --by.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    epoch = models.PositiveIntegerField(default=0)
    epochs = models.PositiveIntegerField(default=0)
    val_accuracy = models.FloatField(null=True, blank=True)
    seconds_left = models.FloatField(null=True, blank=True)
    candidate = models.CharField(max_length=64, blank=True)
    report = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    # A running job's worker writes this every RETRAIN_HEARTBEAT_S; when it stops for
    # RETRAIN_DEAD_AFTER_S the job is taken for dead and resumed or failed (modelops.jobs).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="How many times a worker started it (resumed runs included)."
    )
    cancel_requested = models.BooleanField(default=False)
    task_id = models.CharField(
        max_length=64, blank=True, help_text="The background task now carrying it."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=Q(active=True), name="one_retrain_at_a_time"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "succeeded", "failed", "cancelled"]),
                name="retrain_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"Retrain #{self.pk} ({self.get_status_display().lower()})"


class RetrainCheckpoint(models.Model):
    """A running retrain's last epoch, where any worker on any host can resume it from."""

    job = models.OneToOneField(RetrainJob, on_delete=models.CASCADE, related_name="checkpoint")
    epoch = models.PositiveIntegerField()
    archive = models.BinaryField(help_text="The run's work folder, zipped (ml.checkpoint).")
    saved_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Retrain #{self.job_id} after epoch {self.epoch}"


class ShadowReading(models.Model):
    """A shadowing version's reading of a live drawing, made by a worker off the request path."""

    drawing = models.ForeignKey(
        "recognizer.Drawing", on_delete=models.CASCADE, related_name="shadow_readings"
    )
    version = models.CharField(max_length=64)
    digit = models.PositiveSmallIntegerField()
    answer = models.PositiveSmallIntegerField(
        help_text='Its answer as a label: the digit, or 10 when it said "not a digit".'
    )
    confidence = models.FloatField()
    uncertain = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "drawing"], name="one_shadow_reading"),
        ]

    def __str__(self) -> str:
        return f"{self.version} read #{self.drawing_id} as {self.answer}"
