"""Retraining from the admin: a reviewer starts it, a real worker runs it, the page follows."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection

from ml import registry
from recognizer.core import access
from recognizer.modelops import jobs, runner
from recognizer.modelops.retraining import RetrainOptions
from recognizer.models import ModelPromotion, ModelVersion, RetrainCheckpoint, RetrainJob
from tests.conftest import subprocess_env
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "models" / registry.serving_version(ROOT / "models")
START = "/admin/recognizer/retrainjob/start/"


@pytest.fixture
def trainer(client):
    """A reviewer who may also retrain and promote, signed in to the admin."""
    user = UserFactory(username="trainer", is_staff=True)
    user.groups.add(Group.objects.get(name=access.REVIEWERS))
    app, codename = access.PROMOTE.split(".")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label=app, codename=codename)
    )
    client.force_login(user)
    return user


def job_page(client, job: RetrainJob) -> str:
    return client.get(f"/admin/recognizer/retrainjob/{job.pk}/change/").content.decode()


def test_reviewer_retrains_from_the_admin_with_a_worker(client, trainer, models_dir):
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs the test database on PostgreSQL")
    response = client.post(START, {"epochs": "1", "quick": "on"})
    job = RetrainJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{job.pk}/change/")
    assert job.status == "queued" and job.started_by == trainer
    assert "Waiting for a worker" in job_page(client, job)

    worker = subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--batch", "--no-startup-delay"],
        cwd=ROOT,
        env=subprocess_env(MODEL_PATH=str(models_dir)),
    )
    seen, refused = set(), None
    while worker.poll() is None:
        page = job_page(client, job)
        if "<progress" in page:
            seen.add("progress")
        if refused is None and RetrainJob.objects.get().status == "running":
            refused = client.post(START, {"quick": "on"}, follow=True).content.decode()
        time.sleep(0.3)
    assert worker.returncode == 0

    job.refresh_from_db()
    assert job.status == "succeeded", job.message
    assert "progress" in seen  # epoch, validation accuracy and time left while it ran
    assert refused and "A retrain is already running" in refused
    assert RetrainJob.objects.count() == 1
    page = job_page(client, job)
    assert f"Candidate {job.candidate} against {SHIPPED.name}" in page
    assert "held back until a reviewer looks: 0 likely-wrong labels, 0 awaiting" in page
    assert ModelVersion.objects.filter(name=job.candidate).exists()  # every host can fetch it

    client.post(f"/admin/recognizer/retrainjob/{job.pk}/promote/")
    promotion = ModelPromotion.objects.get()
    assert (promotion.version, promotion.promoted_by) == (job.candidate, trainer)
    assert registry.serving_version(models_dir) == job.candidate


def test_a_second_retrain_is_refused_while_one_waits(client, trainer, models_dir):
    client.post(START, {"quick": "on"})
    page = client.post(START, {"quick": "on"}, follow=True).content.decode()
    assert "A retrain is already waiting for a worker" in page
    assert RetrainJob.objects.count() == 1


def test_retraining_needs_the_promote_permission(client, models_dir):
    reviewer = UserFactory(username="plain-reviewer", is_staff=True)
    reviewer.groups.add(Group.objects.get(name=access.REVIEWERS))
    client.force_login(reviewer)
    assert client.post(START, {"quick": "on"}).status_code == 403
    assert "Retrain now" not in client.get("/admin/recognizer/drawing/dashboard/").content.decode()
    assert not RetrainJob.objects.exists()


def test_a_retrain_whose_worker_died_no_longer_blocks_the_next(
    client, trainer, models_dir, settings
):
    import datetime as dt

    from django.utils import timezone

    settings.RETRAIN_MAX_ATTEMPTS = 1
    silent = timezone.now() - dt.timedelta(seconds=settings.RETRAIN_DEAD_AFTER_S + 1)
    dead = RetrainJob.objects.create(
        status="running", attempts=1, started_at=silent, heartbeat_at=silent
    )
    client.post(START, {"quick": "on"})
    dead.refresh_from_db()
    assert dead.status == "failed" and dead.active is None
    assert dead.message == jobs.ERROR_WORKER_LOST.format(
        seconds=settings.RETRAIN_DEAD_AFTER_S, runs=1
    )
    assert RetrainJob.objects.filter(active=True).count() == 1


def test_a_cancelled_retrain_whose_worker_died_ends_cancelled(models_dir, settings):
    import datetime as dt

    from django.utils import timezone

    silent = timezone.now() - dt.timedelta(seconds=settings.RETRAIN_DEAD_AFTER_S + 1)
    job = RetrainJob.objects.create(
        status="running", attempts=1, cancel_requested=True, heartbeat_at=silent
    )
    assert [j.pk for j in jobs.retrain_jobs_reap()] == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.active, job.message) == ("cancelled", None, jobs.CANCELLED_LOST)


def test_a_retrain_is_cancelled_from_its_page(client, trainer, models_dir):
    client.post(START, {"quick": "on"})
    job = RetrainJob.objects.get()
    assert "Cancel this retrain" in job_page(client, job)
    done = client.post(f"/admin/recognizer/retrainjob/{job.pk}/cancel/", follow=True)
    job.refresh_from_db()
    assert (job.status, job.active, job.message) == ("cancelled", None, jobs.CANCELLED_QUEUED)
    assert jobs.CANCELLED_QUEUED in done.content.decode()
    again = client.post(f"/admin/recognizer/retrainjob/{job.pk}/cancel/", follow=True)
    assert "has already cancelled; nothing to cancel" in again.content.decode()


def test_cancelling_a_running_retrain_stops_it_after_the_epoch(trainer, models_dir):
    job = jobs.retrain_job_start(options=RetrainOptions(quick=True), by=trainer, enqueue=False)
    RetrainJob.objects.filter(pk=job.pk).update(cancel_requested=True)
    runner.retrain_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.active, job.epoch) == ("cancelled", None, 1)
    assert job.message == runner.CANCELLED.format(epoch=1)
    assert not RetrainCheckpoint.objects.exists()


ROLLBACK = "/admin/recognizer/retrainjob/rollback/"
DASHBOARD = "/admin/recognizer/drawing/dashboard/"


@pytest.fixture
def promoter(client):
    """Someone who may retrain, promote and roll back, and holds no other permission."""
    user = UserFactory(username="promoter", is_staff=True)
    app, codename = access.PROMOTE.split(".")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label=app, codename=codename)
    )
    client.force_login(user)
    return user


def test_promoter_opens_the_dashboard_and_rolls_back_after_confirming(
    client, promoter, fake_models_dir
):
    for version, previous in (("cnn-new", "cnn-old"), ("cnn-newer", "cnn-new")):
        ModelPromotion.objects.create(version=version, previous_version=previous, action="manual")
    registry.set_serving(fake_models_dir, "cnn-newer")
    dashboard = client.get(DASHBOARD)
    assert dashboard.status_code == 200
    assert "Roll back to cnn-new…" in dashboard.content.decode()
    confirm = client.get(ROLLBACK).content.decode()  # asks first, naming both versions
    assert "Serving now: <strong>cnn-newer</strong>" in confirm and "Yes, serve cnn-new" in confirm
    assert ModelPromotion.objects.count() == 2

    done = client.post(ROLLBACK, {"version": "cnn-new"}, follow=True)
    assert done.redirect_chain[-1][0] == DASHBOARD
    assert "Now serving cnn-new on every host (was cnn-newer)." in done.content.decode()
    rolled = ModelPromotion.objects.latest()
    assert (rolled.version, rolled.action, rolled.promoted_by) == ("cnn-new", "rollback", promoter)
    # The next rollback names what cnn-new replaced, never cnn-newer again.
    assert "Roll back to cnn-old…" in done.content.decode()


def test_rollback_refuses_a_version_other_than_the_one_it_named(client, promoter, fake_models_dir):
    ModelPromotion.objects.create(version="cnn-new", previous_version="cnn-old", action="manual")
    registry.set_serving(fake_models_dir, "cnn-new")
    page = client.post(ROLLBACK, {"version": "cnn-newer"}, follow=True).content.decode()
    assert "Nothing was changed" in page
    assert registry.serving_version(fake_models_dir) == "cnn-new"
    assert ModelPromotion.objects.count() == 1


def test_rollback_page_says_when_there_is_nothing_to_roll_back_to(
    client, promoter, fake_models_dir
):
    page = client.get(ROLLBACK).content.decode()
    assert "there is nothing to roll back to" in page and "Yes, serve" not in page
    assert "No earlier version to roll back to." in client.get(DASHBOARD).content.decode()


def test_rollback_needs_the_promote_permission(client, fake_models_dir):
    reviewer = UserFactory(username="plain-reviewer", is_staff=True)
    reviewer.groups.add(Group.objects.get(name=access.REVIEWERS))
    client.force_login(reviewer)
    assert client.get(ROLLBACK).status_code == 403
    assert client.post(ROLLBACK, {"version": "cnn-new"}).status_code == 403


def test_job_page_shows_percentages_and_words_not_floats_or_json(client, promoter):
    job = RetrainJob.objects.create(
        status="running",
        epochs=0,
        options={"epochs": 3, "quick": False, "scratch": False},
        val_accuracy=0.8888888888888888,
    )
    page = job_page(client, job)
    assert "Preparing the data" in page and "of ?" not in page
    assert "88.89%" in page and "0.888" not in page
    assert "3 epoch(s), fine-tuning the serving model" in page and '{"epochs"' not in page
    job.epochs, job.epoch = 3, 1
    job.save()
    assert "Epoch 1 of 3" in job_page(client, job)


def test_job_page_of_no_job_is_a_404(client, promoter):
    page = "/admin/recognizer/retrainjob/1/change/widgets.css/change/"  # a path under a job
    assert client.get(page).status_code == 404
