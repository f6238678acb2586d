"""The model-lifecycle commands: promote by hand, roll back, and their refusals."""

import pytest
from django.core.management import CommandError, call_command

from ml import registry
from recognizer.models import ModelPromotion

pytestmark = pytest.mark.django_db


@pytest.fixture
def models_dir(fake_models_dir):
    return fake_models_dir


def test_promote_by_hand_then_roll_back_is_recorded(models_dir, staff_user):
    call_command("promote", "cnn-new", "--by", staff_user.username, "--reason", "demo")
    assert registry.serving_version(models_dir) == "cnn-new"
    promoted = ModelPromotion.objects.get()
    assert (promoted.action, promoted.previous_version) == ("manual", "cnn-old")
    assert promoted.promoted_by == staff_user and promoted.report == {"reason": "demo"}

    call_command("rollback")
    assert registry.serving_version(models_dir) == "cnn-old"
    rolled = ModelPromotion.objects.latest()
    assert (rolled.action, rolled.version, rolled.promoted_by) == ("rollback", "cnn-old", None)


def test_a_second_rollback_never_reserves_the_version_it_rolled_back_from(models_dir):
    call_command("promote", "cnn-new")
    call_command("promote", "cnn-newer")  # say, a smoke-test model promoted by mistake
    call_command("rollback")
    assert registry.serving_version(models_dir) == "cnn-new"
    call_command("rollback")  # back to what cnn-new replaced, never to cnn-newer again
    assert registry.serving_version(models_dir) == "cnn-old"
    with pytest.raises(CommandError, match="No earlier version is recorded for cnn-old"):
        call_command("rollback")
    call_command("rollback", "cnn-newer")  # named: served again, as asked
    assert registry.serving_version(models_dir) == "cnn-newer"
    assert ModelPromotion.objects.count() == 5


@pytest.mark.parametrize(
    ("command", "args", "message"),
    [
        ("promote", ["cnn-nope"], "there is no model version 'cnn-nope'"),
        ("promote", ["cnn-old"], "Version cnn-old is already serving; nothing changed."),
        ("promote", ["cnn-new", "--by", "nobody"], "There is no user called 'nobody'."),
        ("rollback", [], "No earlier version is recorded for cnn-old"),
    ],
)
def test_lifecycle_commands_refuse_clearly_and_change_nothing(models_dir, command, args, message):
    with pytest.raises(CommandError) as error:
        call_command(command, *args)
    assert message in str(error.value)
    assert registry.serving_version(models_dir) == "cnn-old"
    assert not ModelPromotion.objects.exists()


def test_retrain_refuses_a_folder_that_is_not_a_registry(tmp_path, settings):
    settings.MODEL_PATH = tmp_path
    with pytest.raises(CommandError, match="not a folder of model versions"):
        call_command("retrain", "--quick")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_retrain_wait_runs_the_job_when_no_worker_takes_it(tmp_path, settings, monkeypatch):
    from io import StringIO

    from recognizer.management.commands import retrain
    from recognizer.models import RetrainJob
    from tests.conftest import served_shipped_model

    shipped = served_shipped_model(tmp_path)
    settings.MODEL_PATH = tmp_path
    monkeypatch.setattr(retrain, "WORKER_GRACE_SECONDS", 1)
    out = StringIO()
    call_command("retrain", "--quick", "--wait", stdout=out)
    job = RetrainJob.objects.get()
    assert job.status == "succeeded" and not job.active
    assert out.getvalue().startswith(f"candidate {job.candidate}, serving {shipped}")
    # A smoke run is never promoted on its own, even when its small comparison passes.
    assert not ModelPromotion.objects.exists()
    if job.report["approved"]:
        assert "--quick smoke run" in out.getvalue()
