"""Retraining as a background job: start it, one at a time on any host; `runner` runs it."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from recognizer import tasks
from recognizer.core import access
from recognizer.modelops.retraining import RetrainOptions
from recognizer.modelops.runner import retrain_job_update
from recognizer.models import RetrainCheckpoint, RetrainJob

ERROR_ALREADY_RUNNING = (
    "A retrain is already {status} (#{id}, started {when:%Y-%m-%d %H:%M} by {who}); "
    "wait for it to finish."
)


ERROR_WORKER_LOST = (
    "Its worker stopped answering (no heartbeat for {seconds:g} s) {runs} time(s); the "
    "retrain is given up and the next one may start."
)
REQUEUED = (
    "Its worker stopped answering (no heartbeat for {seconds:g} s); another worker will "
    "resume it{where}."
)
CANCEL_ASKED = "Cancelling: it stops at the end of the current epoch."
CANCELLED_QUEUED = "Cancelled before a worker took it."
CANCELLED_LOST = "Cancelled; its worker had stopped answering before the epoch ended."
ERROR_NOT_ACTIVE = "Retrain #{id} has already {status}; nothing to cancel."


class WorkerLost(RuntimeError):
    """The worker running a task stopped without a word (killed, out of memory, redeployed)."""


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
    retrain_jobs_reap()
    try:
        with transaction.atomic():
            job.save()
    except IntegrityError:
        raise RetrainRunningError(_already_running()) from None
    if enqueue:
        transaction.on_commit(lambda: _enqueue(job))
    return job


def _enqueue(job: RetrainJob) -> None:
    """Hand the job to the task queue, remembering which task carries it."""
    result = tasks.retrain.enqueue(job_id=job.pk)
    RetrainJob.objects.filter(pk=job.pk).update(task_id=str(result.id))


def retrain_jobs_reap() -> list[RetrainJob]:
    """Take running jobs whose heartbeat stopped for dead: queue them to resume, or end them.

    Any process may call this: each worker does as it starts and every RETRAIN_REAP_S.
    """
    seconds = settings.RETRAIN_DEAD_AFTER_S
    limit = timezone.now() - dt.timedelta(seconds=seconds)
    silent = Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, started_at__lt=limit)
    with transaction.atomic():
        dead = list(
            RetrainJob.objects.select_for_update(skip_locked=True).filter(
                silent, status=RetrainJob.Status.RUNNING
            )
        )
        for job in dead:
            _task_fail(job.task_id, seconds)
            _job_after_worker_lost(job, seconds)
    return dead


def _job_after_worker_lost(job: RetrainJob, seconds: float) -> None:
    if job.cancel_requested:
        retrain_job_update(job, status=RetrainJob.Status.CANCELLED, message=CANCELLED_LOST)
    elif job.attempts >= settings.RETRAIN_MAX_ATTEMPTS:
        message = ERROR_WORKER_LOST.format(seconds=seconds, runs=job.attempts)
        retrain_job_update(job, status=RetrainJob.Status.FAILED, message=message)
    else:
        epoch = RetrainCheckpoint.objects.filter(job=job).values_list("epoch", flat=True).first()
        where = f" from its checkpoint of epoch {epoch}" if epoch else " from the start"
        message = REQUEUED.format(seconds=seconds, where=where)
        retrain_job_update(job, status=RetrainJob.Status.QUEUED, message=message)
        transaction.on_commit(lambda: _enqueue(job))


def _task_fail(task_id: str, seconds: float) -> None:
    """Mark the dead worker's task failed: the task queue never learns of its death itself."""
    task = DBTaskResult.objects.filter(pk=task_id or None, status=TaskResultStatus.RUNNING)
    for result in task:
        result.set_failed(WorkerLost(f"no heartbeat for {seconds:g} s"))


def retrain_job_cancel(*, job: RetrainJob, by: AbstractBaseUser) -> RetrainJob:
    """Cancel a retrain: a queued one at once, a running one at the end of its epoch."""
    access.require(by, access.PROMOTE)
    with transaction.atomic():
        job = RetrainJob.objects.select_for_update().get(pk=job.pk)
        if job.status == RetrainJob.Status.QUEUED:
            retrain_job_update(job, status=RetrainJob.Status.CANCELLED, message=CANCELLED_QUEUED)
        elif job.status == RetrainJob.Status.RUNNING:
            retrain_job_update(job, cancel_requested=True, message=CANCEL_ASKED)
        else:
            status = job.get_status_display().lower()
            raise RetrainRunningError(ERROR_NOT_ACTIVE.format(id=job.pk, status=status))
    return job


def _already_running() -> str:
    job = RetrainJob.objects.filter(active=True).select_related("started_by").first()
    if job is None:  # it finished in the meantime
        return "A retrain was running a moment ago; try again."
    who = job.started_by or "the command line"
    status = "running" if job.status == RetrainJob.Status.RUNNING else "waiting for a worker"
    return ERROR_ALREADY_RUNNING.format(status=status, id=job.pk, when=job.created_at, who=who)
