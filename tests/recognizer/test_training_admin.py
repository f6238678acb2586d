"""Retraining from the admin: a reviewer starts it, a real worker runs it, the page follows."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection

from ml import registry
from recognizer import access
from recognizer.models import ModelPromotion, ModelVersion, RetrainJob
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
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"],
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


def test_a_retrain_whose_worker_died_no_longer_blocks_the_next(client, trainer, models_dir):
    import datetime as dt

    from django.utils import timezone

    stale = RetrainJob.objects.create(
        status="running", started_at=timezone.now() - dt.timedelta(days=1)
    )
    client.post(START, {"quick": "on"})
    stale.refresh_from_db()
    assert stale.status == "failed" and stale.active is None and "Abandoned" in stale.message
    assert RetrainJob.objects.filter(active=True).count() == 1
