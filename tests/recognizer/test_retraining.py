"""Retraining end to end: real drawings, real training (--quick), real promotion files."""

import base64
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from ml import promotion as promotion_rule
from ml import registry, train
from ml.inference import CURRENT
from ml.label_quality import mistap
from recognizer.core.owners import Owner
from recognizer.drawings import labelling, services
from recognizer.modelops import promotions, retraining, shadow
from recognizer.modelops.promotions import model_rollback
from recognizer.modelops.retraining import RetrainOptions, model_retrain
from recognizer.models import Drawing, ModelPromotion, ModelVersion
from tests.conftest import canvas_png

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
MODELS = Path(__file__).resolve().parents[2] / "models"
SHIPPED = MODELS / registry.serving_version(MODELS)
# Far from the head of the test set that --quick compares on, so training never sees those.
DRAWN = range(9000, 9040)


@pytest.fixture(scope="session")
def weak_model(tmp_path_factory):
    """A model trained for one epoch on 800 digits: clearly worse than the shipped one."""
    return train.main(["--quick", "--output", str(tmp_path_factory.mktemp("weak"))])


def serve(models_dir, folder) -> str:
    shutil.copytree(folder, models_dir / folder.name)
    (models_dir / CURRENT).write_text(folder.name)
    return folder.name


@pytest.fixture
def labelled_drawings(mnist_test, staff_user, models_dir):
    """A few dozen canvas drawings posted through the service and labelled by a reviewer."""
    drawings = []
    for index in DRAWN:
        drawing = services.drawing_create(image=canvas_png(index), source="canvas")
        label = int(mnist_test.labels[index])
        drawings.append(
            labelling.drawing_relabel(drawing=drawing, label=label, reviewer=staff_user)
        )
    return drawings


@pytest.fixture
def mistapped(mnist_test, models_dir):
    """Three drawings whose drawer tapped a neighbouring digit: likely wrong, held back."""
    drawer = Owner(session_key="drawer")
    drawings = []
    for index in range(9100, 9103):
        drawing = services.drawing_create(image=canvas_png(index), source="canvas", owner=drawer)
        wrong = int(mistap(mnist_test.labels[index : index + 1], np.random.default_rng(index))[0])
        drawings.append(labelling.drawing_give_feedback(drawing=drawing, label=wrong, owner=drawer))
    return drawings


def test_retrain_refuses_a_worse_model_and_keeps_serving(models_dir, labelled_drawings, mistapped):
    # Forced: from scratch in --quick mode the candidate cannot match the shipped model.
    result = model_retrain(options=RetrainOptions(quick=True, scratch=True), models_dir=models_dir)
    assert not result.approved and not result.promoted
    assert result.reason.startswith("not promoted: MNIST test accuracy")
    assert (models_dir / CURRENT).read_text().strip() == SHIPPED.name
    assert not ModelPromotion.objects.exists()
    report = json.loads((models_dir / result.version / promotions.REPORT).read_text())
    assert report["mnist_new"] < report["mnist_current"] and report["promoted"] is False
    assert result.trained_on + result.held_out == len(labelled_drawings) and result.held_out > 0
    # The mis-taps waited for a reviewer; the candidate, which never saw them, scored them anew.
    assert result.held_back == 3
    assert report["held_back_drawings"] == {"likely_wrong": 3, "second_opinion": 0}
    assert report["label_scores_refreshed"] == result.held_out + 3
    for drawing in Drawing.objects.filter(pk__in=[d.pk for d in mistapped]):
        assert drawing.label_score_reason.startswith(f"{result.version} read ")


def test_retrain_promotes_a_better_model_and_the_next_prediction_carries_it(
    models_dir,
    labelled_drawings,
    weak_model,
    staff_user,
    api_client,
    digit_png,
    monkeypatch,
    settings,
):
    settings.LIVE_EVIDENCE_MIN = 0  # promoted on the offline rule alone
    # Both quick models set their "not sure" thresholds on a few hundred validation digits,
    # so their flag rates differ by a point or more from run to run: the flag rule has its
    # own tests (tests/ml/test_promotion.py); here accuracy decides.
    monkeypatch.setattr(promotion_rule, "FLAG_TOLERANCE", 1.0)
    weak = serve(models_dir, weak_model)
    options = RetrainOptions(quick=True, init_version=SHIPPED.name)
    result = model_retrain(options=options, by=staff_user, models_dir=models_dir)

    assert result.promoted, result.reason
    c = result.comparison
    assert c.current_version == weak and c.new_version == result.version
    assert c.mnist_new >= c.mnist_current and c.real_new >= c.real_current
    assert registry.serving_version(models_dir) == result.version
    promotion = ModelPromotion.objects.get()
    assert (promotion.version, promotion.previous_version) == (result.version, weak)
    assert promotion.promoted_by == staff_user and promotion.action == "retrain"
    assert promotion.report["held_out_drawing_ids"]

    response = api_client.post("/api/predictions/", {"image": _b64(digit_png(0))}, format="json")
    assert response.status_code == 201
    assert response.json()["model_version"] == result.version
    assert Drawing.objects.latest("id").prediction.model_version == result.version

    rolled = model_rollback(models_dir=models_dir)
    assert (rolled.version, rolled.action) == (weak, "rollback")
    response = api_client.post("/api/predictions/", {"image": _b64(digit_png(1))}, format="json")
    assert response.json()["model_version"] == weak


def test_retrain_approved_offline_shadows_until_live_drawings_judge_it(
    models_dir,
    labelled_drawings,
    weak_model,
    monkeypatch,
    settings,
    api_client,
    digit_png,
    staff_user,
):
    monkeypatch.setattr(promotion_rule, "FLAG_TOLERANCE", 1.0)  # as above: accuracy decides
    settings.LIVE_EVIDENCE_MIN = 50
    weak = serve(models_dir, weak_model)
    options = RetrainOptions(quick=True, init_version=SHIPPED.name)
    result = model_retrain(options=options, models_dir=models_dir)
    assert result.approved and not result.promoted
    assert result.reason == retraining.AWAITING_LIVE.format(minimum=50)
    assert registry.serving_version(models_dir) == weak and not ModelPromotion.objects.exists()
    stored = ModelVersion.objects.get(name=result.version)
    assert stored.shadow_since is not None and stored.report["awaiting_live"] is True

    # Drawings stored from now on are read by the candidate too, in the worker.
    for index in range(3):
        body = {"image": _b64(digit_png(index))}
        assert api_client.post("/api/predictions/", body, format="json").status_code == 201
    assert shadow.shadow_read_pending() == 3
    api_client.force_authenticate(staff_user)
    rows = {row["version"]: row for row in api_client.get("/api/models/").json()["versions"]}
    live = rows[result.version]["live"]
    assert rows[result.version]["shadowing"] and rows[weak]["serving"]
    assert (live["source"], live["readings"]) == ("shadow", 3)
    assert 0 <= live["agreement_with_serving"] <= 1


def _b64(png: bytes) -> str:
    return base64.b64encode(png).decode()


def test_heldout_drawings_never_train(models_dir, labelled_drawings):
    ids = np.array([d.pk for d in labelled_drawings])
    held = retraining.held_out_mask(ids, 0.2)
    assert 0 < held.sum() < len(ids)
    assert (retraining.held_out_mask(ids, 0.2) == held).all()  # the same every retrain


def test_rollback_without_history_is_a_clear_error(models_dir):
    with pytest.raises(registry.RegistryError) as error:
        model_rollback(models_dir=models_dir)
    assert str(error.value) == promotions.ERROR_NOTHING_TO_ROLL_BACK.format(version=SHIPPED.name)


def test_promote_unknown_version_changes_nothing(models_dir):
    with pytest.raises(registry.RegistryError):
        promotions.model_promote(version="cnn-nope", by=None, action="retrain")
    assert registry.serving_version(models_dir) == SHIPPED.name
    assert not ModelPromotion.objects.exists()
