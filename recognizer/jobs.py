"""Retraining as a background job: start it (one at a time, on any host), run it, watch it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from recognizer import access
from recognizer.models import RetrainJob
from recognizer.retraining import RetrainOptions, model_retrain

logger = logging.getLogger(__name__)
ERROR_ALREADY_RUNNING = (
    "A retrain is already {status} (#{id}, started {when:%Y-%m-%d %H:%M} by {who}); "
    "wait for it to finish."
)


ERROR_ABANDONED = "Abandoned: no progress within RETRAIN_TIMEOUT_S (was its worker stopped?)."


class RetrainRunningError(ValueError):
    code = "retrain_running"


def retrain_job_start(
    *,
    options: RetrainOptions,
    by: AbstractBaseUser | None,
    promote: bool = False,
    enqueue: bool = True,
) -> RetrainJob:
    """Queue a retrain for a worker (or for the caller to run); one at a time, on any host."""
    if by is not None:
        access.require(by, access.PROMOTE)
    job = RetrainJob(options={**dataclasses.asdict(options), "promote": promote}, started_by=by)
    job.full_clean(validate_constraints=False)
    _abandon_stale()
    try:
        with transaction.atomic():
            job.save()
    except IntegrityError:
        raise RetrainRunningError(_already_running()) from None
    if enqueue:
        from recognizer.tasks import retrain  # the task module imports this one

        transaction.on_commit(lambda: retrain.enqueue(job_id=job.pk))
    return job


def _abandon_stale() -> None:
    """Release the lock of a job whose worker died: running far longer than any retrain."""
    limit = timezone.now() - dt.timedelta(seconds=settings.RETRAIN_TIMEOUT_S)
    for job in RetrainJob.objects.filter(active=True, started_at__lt=limit):
        _update(job, status=RetrainJob.Status.FAILED, message=ERROR_ABANDONED)


def _already_running() -> str:
    job = RetrainJob.objects.filter(active=True).select_related("started_by").first()
    if job is None:  # it finished in the meantime
        return "A retrain was running a moment ago; try again."
    who = job.started_by or "the command line"
    status = "running" if job.status == RetrainJob.Status.RUNNING else "waiting for a worker"
    return ERROR_ALREADY_RUNNING.format(status=status, id=job.pk, when=job.created_at, who=who)


def retrain_job_run(*, job_id: int) -> RetrainJob:
    """Run a queued retrain here and now, recording progress and the outcome on the job."""
    job = RetrainJob.objects.select_related("started_by").get(pk=job_id)
    _update(job, status=RetrainJob.Status.RUNNING, started_at=timezone.now())
    try:
        result = model_retrain(
            options=RetrainOptions.from_mapping(job.options),
            by=job.started_by,
            promote=job.options.get("promote", False),
            progress=lambda epoch: _progress(job, epoch),
        )
    except Exception as exc:  # the job records any failure; the worker carries on
        logger.exception("retrain #%s failed", job.pk)
        _update(job, status=RetrainJob.Status.FAILED, message=f"{type(exc).__name__}: {exc}")
        raise
    report = {**dataclasses.asdict(result.comparison), "approved": result.approved}
    _update(
        job,
        status=RetrainJob.Status.SUCCEEDED,
        candidate=result.version,
        report={**report, "promoted": result.promoted, "trained_on": result.trained_on},
        message=result.reason,
    )
    return job


def _progress(job: RetrainJob, epoch) -> None:
    _update(
        job,
        epoch=epoch.epoch,
        epochs=epoch.epochs,
        val_accuracy=epoch.val_accuracy,
        seconds_left=round(epoch.seconds_left, 1),
    )


def _update(job: RetrainJob, **fields) -> None:
    finished = fields.get("status") in (RetrainJob.Status.SUCCEEDED, RetrainJob.Status.FAILED)
    if finished:
        fields.update(active=None, finished_at=timezone.now(), seconds_left=0)
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=list(fields))
