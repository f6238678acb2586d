"""Retraining as a background job: start it, one at a time on any host; `runner` runs it."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from recognizer import tasks
from recognizer.core import access
from recognizer.modelops.retraining import RetrainOptions
from recognizer.modelops.runner import retrain_job_update
from recognizer.models import RetrainJob

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
        transaction.on_commit(lambda: tasks.retrain.enqueue(job_id=job.pk))
    return job


def _abandon_stale() -> None:
    """Release the lock of a job whose worker died: running far longer than any retrain."""
    limit = timezone.now() - dt.timedelta(seconds=settings.RETRAIN_TIMEOUT_S)
    for job in RetrainJob.objects.filter(active=True, started_at__lt=limit):
        retrain_job_update(job, status=RetrainJob.Status.FAILED, message=ERROR_ABANDONED)


def _already_running() -> str:
    job = RetrainJob.objects.filter(active=True).select_related("started_by").first()
    if job is None:  # it finished in the meantime
        return "A retrain was running a moment ago; try again."
    who = job.started_by or "the command line"
    status = "running" if job.status == RetrainJob.Status.RUNNING else "waiting for a worker"
    return ERROR_ALREADY_RUNNING.format(status=status, id=job.pk, when=job.created_at, who=who)
