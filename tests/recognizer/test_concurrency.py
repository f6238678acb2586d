"""Two reviewers at once, promotions at once, a worker killed mid-request: on PostgreSQL."""

import io
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client

from ml import registry
from recognizer.drawings import labelling
from recognizer.models import Drawing, LabelChange, ModelPromotion, ModelVersion, RetrainJob
from tests.conftest import subprocess_env
from tests.factories import DrawingFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and a second connection need PostgreSQL")


def test_concurrent_relabels_land_in_order_and_the_last_one_wins():
    drawing = DrawingFactory(prediction__digit=1)
    first = UserFactory(username="first", is_superuser=True)
    second = UserFactory(username="second", is_superuser=True)
    first_holds_lock, second_done = threading.Event(), threading.Event()
    timeline = {}

    def reviewer_one():
        with transaction.atomic():  # keep the row lock while reviewer two tries
            labelling.drawing_relabel(drawing=drawing, label=3, reviewer=first)
            first_holds_lock.set()
            time.sleep(0.5)
            timeline["first_commit"] = time.monotonic()
        connection.close()

    def reviewer_two():
        first_holds_lock.wait(5)
        labelling.drawing_relabel(drawing=drawing, label=5, reviewer=second)
        timeline["second_done"] = time.monotonic()
        second_done.set()
        connection.close()

    threads = [threading.Thread(target=reviewer_one), threading.Thread(target=reviewer_two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert second_done.is_set()
    assert timeline["second_done"] > timeline["first_commit"]  # waited for the lock
    changes = list(LabelChange.objects.filter(drawing=drawing).order_by("created_at", "id"))
    assert [(c.old_label, c.new_label, c.changed_by) for c in changes] == [
        (None, 3, first),
        (3, 5, second),  # the second reviewer saw the first one's label, not a stale one
    ]
    drawing.refresh_from_db()
    assert (drawing.label, drawing.labelled_by) == (5, second)


# A worker that stops after storing two rows of a five-image batch, waiting to be killed.
WORKER = """
import sys, time
import django
django.setup()
from recognizer.drawings import services
from tests.factories import stroke_png

save = services._drawing_save
def save_then_report(drawing, **kwargs):
    save(drawing, **kwargs)
    print("stored", drawing.pk, flush=True)
    time.sleep(30)
services._drawing_save = save_then_report
services.drawing_create_batch(images=[stroke_png(n) for n in range(5)], source="api")
"""


def test_worker_killed_mid_request_leaves_no_partial_rows():
    env = subprocess_env(DJANGO_SETTINGS_MODULE="mnistsite.settings")
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        line = worker.stdout.readline()
        assert line.startswith("stored"), line
        worker.send_signal(signal.SIGKILL)  # no cleanup, no rollback from the client side
        worker.wait(10)
    finally:
        worker.kill()
    assert worker.returncode == -signal.SIGKILL
    assert Drawing.objects.count() == 0
    # PostgreSQL notices the dead client and ends its transaction: no lock is left behind.
    assert _open_transactions_settle(connection.settings_dict["NAME"]) == 0


def _open_transactions_settle(name: str, seconds: float = 5.0) -> int:
    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
        " AND state LIKE 'idle in transaction%%'"
    )
    deadline = time.monotonic() + seconds
    while True:
        with connection.cursor() as cursor:
            cursor.execute(query, [name])
            count = cursor.fetchone()[0]
        if count == 0 or time.monotonic() > deadline:
            return count
        time.sleep(0.1)


def at_once(count: int, action) -> list:
    """Run `action` in `count` threads released together; return what each returned or raised."""
    start, results = threading.Barrier(count), []

    def run():
        start.wait(10)
        try:
            results.append(action())
        except Exception as error:  # kept to be asserted on, not swallowed
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_concurrent_promote_clicks_record_one_promotion_and_answer_no_500(fake_models_dir):
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)
    job = RetrainJob.objects.create(status="succeeded", candidate="cnn-new", report={})

    def click():
        client = Client(raise_request_exception=False)
        client.force_login(boss)
        return client.post(f"/admin/recognizer/retrainjob/{job.pk}/promote/").status_code

    assert at_once(4, click) == [302] * 4
    assert ModelPromotion.objects.get().version == "cnn-new"
    assert sorted(ModelVersion.objects.values_list("name", flat=True)) == ["cnn-new", "cnn-old"]


def test_concurrent_promote_commands_record_one_promotion(fake_models_dir):
    results = at_once(4, lambda: call_command("promote", "cnn-new", stdout=io.StringIO()))
    refusals = [r for r in results if isinstance(r, CommandError)]
    assert len(refusals) == 3 and all("already serving" in str(r) for r in refusals)
    assert ModelPromotion.objects.count() == 1
    assert registry.serving_version(fake_models_dir) == "cnn-new"
