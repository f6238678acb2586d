"""Run a queued retrain job here and now: what a worker's task does, and the command line."""

import logging

from django.utils import timezone

from recognizer.modelops.retraining import RetrainOptions, model_retrain
from recognizer.models import RetrainJob

logger = logging.getLogger(__name__)


def retrain_job_run(*, job_id: int) -> RetrainJob:
    """Run a queued retrain here and now, recording progress and the outcome on the job."""
    job = RetrainJob.objects.select_related("started_by").get(pk=job_id)
    retrain_job_update(job, status=RetrainJob.Status.RUNNING, started_at=timezone.now())
    try:
        result = model_retrain(
            options=RetrainOptions.from_mapping(job.options),
            by=job.started_by,
            promote=job.options.get("promote", False),
            progress=lambda epoch: _progress(job, epoch),
        )
    except Exception as exc:  # the job records any failure; the worker carries on
        logger.exception("retrain #%s failed", job.pk)
        retrain_job_update(
            job, status=RetrainJob.Status.FAILED, message=f"{type(exc).__name__}: {exc}"
        )
        raise
    retrain_job_update(
        job,
        status=RetrainJob.Status.SUCCEEDED,
        candidate=result.version,
        report=result.report,
        message=result.reason,
    )
    return job


def _progress(job: RetrainJob, epoch) -> None:
    retrain_job_update(
        job,
        epoch=epoch.epoch,
        epochs=epoch.epochs,
        val_accuracy=epoch.val_accuracy,
        seconds_left=round(epoch.seconds_left, 1),
    )


def retrain_job_update(job: RetrainJob, **fields) -> None:
    """Record `fields` on the job; a finished job also frees the one-at-a-time lock."""
    finished = fields.get("status") in (RetrainJob.Status.SUCCEEDED, RetrainJob.Status.FAILED)
    if finished:
        fields.update(active=None, finished_at=timezone.now(), seconds_left=0)
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=list(fields))
