"""The training side of the admin: retrain jobs (start, watch), promotions, rollback.

Every write goes through `modelops.jobs` and `modelops.promotions`, which check the
`recognizer.promote_model` permission themselves.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from ml.registry import RegistryError
from recognizer.core import access
from recognizer.core.params import parse_int
from recognizer.modelops import jobs, promotions, retraining
from recognizer.modelops import selectors as modelops_selectors
from recognizer.models import ModelPromotion, RetrainJob
from recognizer.serving import versions
from recognizer.templatetags.figures import percent

MAX_EPOCHS = 50
STARTED = "Retrain #{id} is queued; a worker picks it up within seconds."
PROMOTED = "Now serving {version} on every host (was {previous})."
ERROR_ROLLBACK_CHANGED = (
    "Nothing was changed: the version to roll back to is no longer {asked}. Check the page again."
)


def _post_only(request) -> None:
    if request.method != "POST":
        raise PermissionDenied("Use the buttons on the page.")
    access.require(request.user, access.PROMOTE)


@admin.register(RetrainJob)
class RetrainJobAdmin(admin.ModelAdmin):
    """Retrain runs: queued, running (with progress) and finished (with the comparison)."""

    list_display = ["__str__", "progress", "candidate", "started_by", "created_at"]
    list_filter = ["status"]
    # The comparison report is the page's own table; these are the rest, in words.
    fields = [
        "status",
        "progress",
        "training",
        "validation_accuracy",
        "candidate",
        "started_by",
        "created_at",
        "started_at",
        "finished_at",
        "attempts",
        "heartbeat_at",
        "message",
    ]
    readonly_fields = fields
    change_form_template = "admin/recognizer/retrainjob/change_form.html"

    @admin.display(description="Progress")
    def progress(self, job: RetrainJob) -> str:
        if job.status != RetrainJob.Status.RUNNING:
            return job.get_status_display()
        if not job.epochs:
            return "preparing the data"
        left = f", about {_duration(job.seconds_left)} left" if job.seconds_left else ""
        return f"epoch {job.epoch} of {job.epochs}{left}"

    @admin.display(description="Training")
    def training(self, job: RetrainJob) -> str:
        options = retraining.RetrainOptions.from_mapping(job.options)
        if options.quick:
            return "smoke test: 800 digits, 1 epoch (never promoted on its own)"
        start = "from scratch" if options.scratch else "fine-tuning the serving model"
        return f"{options.epochs} epoch(s), {start}"

    @admin.display(description="Validation accuracy")
    def validation_accuracy(self, job: RetrainJob) -> str:
        return percent(job.val_accuracy, 2)

    def has_view_permission(self, request, obj=None):
        return access.can(request.user, access.VIEW_RETRAINS) or access.can(
            request.user, access.PROMOTE
        )

    def has_add_permission(self, request):
        return False  # started with the dashboard's button or `manage.py retrain`

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("start/", view(self.start_view), name="recognizer_retrainjob_start"),
            path(
                "<int:pk>/promote/", view(self.promote_view), name="recognizer_retrainjob_promote"
            ),
            path("<int:pk>/cancel/", view(self.cancel_view), name="recognizer_retrainjob_cancel"),
            path("rollback/", view(self.rollback_view), name="recognizer_retrainjob_rollback"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Any path under a job lands here (the admin's catch-all): a number, or a 404.
        job = get_object_or_404(RetrainJob, pk=parse_int(object_id, low=1, high=2**63 - 1))
        extra = {
            "job": job,
            "can_promote": access.can(request.user, access.PROMOTE),
            "serving": versions.serving_version_or_none(),
        }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def start_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        _post_only(request)
        epochs = parse_int(request.POST.get("epochs"), low=1, high=MAX_EPOCHS) or 2
        options = retraining.RetrainOptions(epochs=epochs, quick=request.POST.get("quick") == "on")
        try:
            job = jobs.retrain_job_start(options=options, by=request.user)
        except jobs.RetrainRunningError as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:recognizer_drawing_dashboard"))
        self.message_user(request, STARTED.format(id=job.pk), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:recognizer_retrainjob_change", args=[job.pk]))

    def promote_view(self, request, pk):
        _post_only(request)
        job = get_object_or_404(RetrainJob, pk=pk, status=RetrainJob.Status.SUCCEEDED)
        try:
            promotion = promotions.model_promote(
                version=job.candidate,
                by=request.user,
                action=ModelPromotion.Action.RETRAIN,
                report={**job.report, "job": job.pk},
            )
        except RegistryError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, PROMOTED.format(**_names(promotion)), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:recognizer_retrainjob_change", args=[job.pk]))

    def cancel_view(self, request, pk):
        _post_only(request)
        job = get_object_or_404(RetrainJob, pk=pk)
        try:
            job = jobs.retrain_job_cancel(job=job, by=request.user)
        except jobs.RetrainRunningError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, job.message, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:recognizer_retrainjob_change", args=[job.pk]))

    def rollback_view(self, request):
        """Show which version a rollback serves again; roll back to it when confirmed."""
        access.require(request.user, access.PROMOTE)
        serving = versions.serving_version_or_none()
        target = modelops_selectors.model_rollback_target(serving)
        if request.method == "POST":
            return self._rollback(request, asked=request.POST.get("version", ""), target=target)
        context = {
            **self.admin_site.each_context(request),
            "title": "Roll back the served model",
            "opts": self.model._meta,
            "serving": serving,
            "target": target,
        }
        return TemplateResponse(request, "admin/recognizer/retrainjob/rollback.html", context)

    def _rollback(self, request, *, asked: str, target: str | None):
        # The version named on the page, and only that one: never what changed since.
        if not asked or asked != target:
            self.message_user(request, ERROR_ROLLBACK_CHANGED.format(asked=asked), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:recognizer_retrainjob_rollback"))
        try:
            promotion = promotions.model_rollback(version=asked, by=request.user)
        except RegistryError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, PROMOTED.format(**_names(promotion)), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:recognizer_drawing_dashboard"))


def _duration(seconds: float) -> str:
    return f"{round(seconds)} s" if seconds < 90 else f"{round(seconds / 60)} min"


def _names(promotion: ModelPromotion) -> dict:
    return {"version": promotion.version, "previous": promotion.previous_version}


@admin.register(ModelPromotion)
class ModelPromotionAdmin(admin.ModelAdmin):
    """Which model served when, who promoted it and on what evidence. Read-only."""

    list_display = ["version", "previous_version", "action", "promoted_by", "promoted_at"]
    list_filter = ["action"]
    readonly_fields = [f.name for f in ModelPromotion._meta.fields]

    def has_add_permission(self, request):
        return False  # promotions happen through retraining, `promote` and rollback

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
