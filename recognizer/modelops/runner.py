"""Run a queued retrain job here and now: what a worker's task does, and the command line.

While it runs, a thread writes the job's heartbeat; after each epoch the run's checkpoint
goes into the database, where a worker on any host resumes it if this one dies.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ml import checkpoint
from recognizer.modelops.retraining import RetrainOptions, model_retrain
from recognizer.models import RetrainCheckpoint, RetrainJob
from recognizer.serving import versions

logger = logging.getLogger(__name__)
FINISHED = (RetrainJob.Status.SUCCEEDED, RetrainJob.Status.FAILED, RetrainJob.Status.CANCELLED)
CANCELLED = "Cancelled from its page; stopped after epoch {epoch}."
RESUMED = "Resumed from the checkpoint of epoch {epoch}."
RESUMED_NOTE = " (Resumed from epoch {epoch} after a worker stopped.)"


class RetrainCancelled(Exception):
    """Someone cancelled the job from its page: stop after this epoch."""


def retrain_job_run(*, job_id: int) -> RetrainJob:
    """Run a queued retrain here and now, recording progress and the outcome on the job."""
    job = _job_claim(job_id)
    if job.status != RetrainJob.Status.RUNNING:
        return job  # cancelled, or taken by another worker, while it waited
    work = versions.models_folder() / checkpoint.WORK_DIR
    resumed = _checkpoint_restore(job, work)
    try:
        with heartbeat(job.pk):
            result = model_retrain(
                options=RetrainOptions.from_mapping(job.options),
                by=job.started_by,
                promote=job.options.get("promote", False),
                progress=lambda epoch: _progress(job, epoch, work),
                resume=resumed is not None,
            )
    except RetrainCancelled:
        return job
    except Exception as exc:  # the job records any failure; the worker carries on
        logger.exception("retrain #%s failed", job.pk)
        retrain_job_update(
            job, status=RetrainJob.Status.FAILED, message=f"{type(exc).__name__}: {exc}"
        )
        raise
    report = {**result.report, "runs": job.attempts, "resumed_from_epoch": resumed}
    retrain_job_update(
        job,
        status=RetrainJob.Status.SUCCEEDED,
        candidate=result.version,
        report=report,
        message=result.reason + (RESUMED_NOTE.format(epoch=resumed) if resumed else ""),
    )
    return job


def _job_claim(job_id: int) -> RetrainJob:
    """Mark a queued job running (one worker wins); return it as it now stands."""
    with transaction.atomic():
        jobs = RetrainJob.objects.select_for_update(of=("self",)).select_related("started_by")
        job = jobs.get(pk=job_id)
        if job.status == RetrainJob.Status.QUEUED:
            now = timezone.now()
            job.started_at = job.started_at or now
            retrain_job_update(
                job, status=RetrainJob.Status.RUNNING, heartbeat_at=now, attempts=job.attempts + 1
            )
    return job


def _checkpoint_restore(job: RetrainJob, work) -> int | None:
    """Put the job's last checkpoint, if it has one, where training resumes; return its epoch."""
    saved = RetrainCheckpoint.objects.filter(job=job).first()
    if saved is None:
        return None
    checkpoint.unpack(bytes(saved.archive), work)
    retrain_job_update(job, message=RESUMED.format(epoch=saved.epoch))
    return saved.epoch


@contextmanager
def heartbeat(job_id: int):
    """Write the job's heartbeat every RETRAIN_HEARTBEAT_S while the block runs."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(settings.RETRAIN_HEARTBEAT_S):
                RetrainJob.objects.filter(pk=job_id).update(heartbeat_at=timezone.now())
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"retrain-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _progress(job: RetrainJob, epoch, work) -> None:
    """After each epoch: record it, keep its checkpoint, and stop if the job was cancelled."""
    RetrainCheckpoint.objects.update_or_create(
        job=job, defaults={"epoch": epoch.epoch, "archive": checkpoint.pack(work)}
    )
    retrain_job_update(
        job,
        epoch=epoch.epoch,
        epochs=epoch.epochs,
        val_accuracy=epoch.val_accuracy,
        seconds_left=round(epoch.seconds_left, 1),
        heartbeat_at=timezone.now(),
    )
    job.refresh_from_db(fields=["cancel_requested"])
    if job.cancel_requested:
        message = CANCELLED.format(epoch=epoch.epoch)
        retrain_job_update(job, status=RetrainJob.Status.CANCELLED, message=message)
        raise RetrainCancelled


def retrain_job_update(job: RetrainJob, **fields) -> None:
    """Record `fields` on the job; a finished job also frees the lock and drops its checkpoint."""
    finished = fields.get("status") in FINISHED
    if finished:
        fields.update(active=None, finished_at=timezone.now(), seconds_left=0)
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=list(fields))
    if finished:
        RetrainCheckpoint.objects.filter(job=job).delete()
