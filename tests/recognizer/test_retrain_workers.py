"""Retrain jobs outlive their workers: a real `manage.py worker` killed with SIGKILL mid-run."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from recognizer.modelops import jobs
from recognizer.modelops.retraining import RetrainOptions
from recognizer.models import RetrainCheckpoint, RetrainJob
from tests.browser import wait_until
from tests.conftest import served_shipped_model, subprocess_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
# Heartbeats each second, dead after 5 s of silence, looked for every second: the test's
# clock; with the defaults (10 s, 60 s, 30 s) the same story takes at most a minute and a half.
FAST = {
    "RETRAIN_HEARTBEAT_S": "1",
    "RETRAIN_DEAD_AFTER_S": "5",
    "RETRAIN_REAP_S": "1",
    "SHADOW_READ_S": "1",
}


def worker(models_dir: Path) -> subprocess.Popen:
    """Start a real worker process with its own models folder, as on another host."""
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--no-startup-delay"],
        cwd=ROOT,
        env=subprocess_env(MODEL_PATH=str(models_dir), **FAST),
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def job_now(job: RetrainJob) -> RetrainJob:
    return RetrainJob.objects.get(pk=job.pk)


def test_a_worker_killed_mid_retrain_is_resumed_by_another_from_its_checkpoint(tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the worker processes need the test database on PostgreSQL")
    first_dir, second_dir = tmp_path / "host-a", tmp_path / "host-b"
    served_shipped_model(first_dir)
    served_shipped_model(second_dir)
    settings.RETRAIN_DEAD_AFTER_S = float(FAST["RETRAIN_DEAD_AFTER_S"])
    job = jobs.retrain_job_start(options=RetrainOptions(quick=True), by=None)
    first = worker(first_dir)
    second = None
    try:
        # Killed the moment its epoch is checkpointed, while it measures the candidate.
        wait_until(lambda: RetrainCheckpoint.objects.filter(job=job).exists(), timeout=300)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
        killed = job_now(job)
        assert (killed.status, killed.active, killed.attempts) == ("running", True, 1)
        first_task = killed.task_id

        killed_at = time.monotonic()
        second = worker(second_dir)
        wait_until(lambda: job_now(job).attempts == 2, timeout=120, message="the resume")
        assert time.monotonic() - killed_at < 120
        wait_until(lambda: job_now(job).active is None, timeout=300, message="the end")
    finally:
        stop(first)
        if second is not None:
            stop(second)

    done = job_now(job)
    assert done.status == "succeeded", done.message
    assert done.report["resumed_from_epoch"] == 1 and done.report["runs"] == 2
    assert "Resumed from epoch 1 after a worker stopped." in done.message
    assert (second_dir / done.candidate).is_dir() and not (first_dir / done.candidate).exists()
    assert DBTaskResult.objects.get(pk=first_task).status == "FAILED"
    assert done.task_id != first_task
    assert not RetrainCheckpoint.objects.exists()
