"""Shadows: a candidate reads live drawings beside the serving model; /api/models/ shows how."""

import json
import shutil

import pytest

from ml import registry
from recognizer.modelops import shadow
from recognizer.modelops.api import ERROR_MODELS
from recognizer.modelops.promotions import model_version_store
from recognizer.models import Drawing, ModelPromotion, ModelVersion, ShadowReading
from tests.conftest import api_as
from tests.helpers import BATCH, assert_error, data_url

pytestmark = pytest.mark.django_db
MODELS = "/api/models/"
CANDIDATE = "cnn-20991231-candidate"
FIRST = 4000  # MNIST test digits drawn here


@pytest.fixture
def candidate_folder(models_dir):
    """A second version with the serving model's weights, in this host's models folder."""
    serving = registry.serving_version(models_dir)
    folder = models_dir / CANDIDATE
    shutil.copytree(models_dir / serving, folder)
    metrics = json.loads((folder / "metrics.json").read_text())
    (folder / "metrics.json").write_text(json.dumps({**metrics, "version": CANDIDATE}))
    return folder


@pytest.fixture
def candidate(candidate_folder):
    """That version stored as a retrain would store it."""
    model_version_store(folder=candidate_folder)
    return CANDIDATE


def draw_and_label(client, digit_png, mnist_test, count: int, labelled: int) -> list[int]:
    images = [data_url(digit_png(FIRST + i)) for i in range(count)]
    labels = [int(mnist_test.labels[FIRST + i]) if i < labelled else None for i in range(count)]
    response = client.post(BATCH, {"images": images, "labels": labels}, format="json")
    assert response.status_code == 201, response.content
    return [row["id"] for row in response.json()["results"]]


def awaiting_live(version: str) -> None:
    """Shadow `version` as a retrain does with a candidate it approved offline."""
    shadow.model_shadow_start(version=version, by=None)
    ModelVersion.objects.filter(name=version).update(report={"awaiting_live": True})


def version_row(client, name: str) -> dict:
    body = client.get(MODELS).json()
    return next(row for row in body["versions"] if row["version"] == name)


def test_candidate_shadows_and_the_models_api_shows_its_live_readings(
    candidate, user_client, reviewer, digit_png, mnist_test
):
    shadow.model_shadow_start(version=candidate, by=None)
    ids = draw_and_label(user_client, digit_png, mnist_test, count=12, labelled=8)
    assert not ShadowReading.objects.exists()  # nothing on the request path

    assert shadow.shadow_read_pending(batch=5) == 5  # what a worker does, a batch at a time
    assert shadow.shadow_read_pending() == 7
    assert shadow.shadow_read_pending() == 0
    assert sorted(ShadowReading.objects.values_list("drawing_id", flat=True)) == ids

    client = api_as(reviewer)
    row = version_row(client, candidate)
    assert row["shadowing"] and not row["serving"] and row["promotion"] is None
    live = row["live"]
    assert (live["source"], live["readings"], live["labelled"]) == ("shadow", 12, 8)
    assert live["agreement_with_serving"] == 1.0  # the same weights read the same digits
    serving = next(r for r in client.get(MODELS).json()["versions"] if r["serving"])
    assert serving["live"]["source"] == "served" and serving["live"]["readings"] == 12
    assert live["accuracy"] == serving["live"]["accuracy"]
    assert row["offline"]["test_accuracy"] == serving["offline"]["test_accuracy"] > 0.99


def test_models_api_is_for_reviewers_auditors_and_promoters(candidate, user_client, auditor):
    assert_error(user_client.get(MODELS), 403, "permission_denied", ERROR_MODELS)
    assert api_as(auditor).get(MODELS).status_code == 200


def test_a_shadow_as_good_live_is_promoted_once_the_evidence_is_in(
    candidate, user_client, digit_png, mnist_test, settings
):
    settings.LIVE_EVIDENCE_MIN = 6
    awaiting_live(candidate)
    draw_and_label(user_client, digit_png, mnist_test, count=8, labelled=5)
    shadow.shadow_read_pending()
    assert shadow.shadow_promote_ready() == []  # 5 of 6: it waits
    draw_and_label(user_client, digit_png, mnist_test, count=1, labelled=1)
    shadow.shadow_read_pending()
    assert shadow.shadow_promote_ready() == [candidate]
    promotion = ModelPromotion.objects.get()
    assert (promotion.version, promotion.action) == (candidate, "retrain")
    assert promotion.report["live"]["count"] == 6
    assert ModelVersion.objects.get(name=candidate).shadow_since is None  # it serves now


def test_a_shadow_worse_live_is_refused_and_says_so(
    candidate, user_client, digit_png, mnist_test, settings
):
    settings.LIVE_EVIDENCE_MIN = 4
    awaiting_live(candidate)
    draw_and_label(user_client, digit_png, mnist_test, count=4, labelled=4)
    shadow.shadow_read_pending()
    # Its reading of one labelled drawing was wrong where the serving model was right.
    wrong = ShadowReading.objects.filter(version=candidate).first()
    label = Drawing.objects.get(pk=wrong.drawing_id).label
    ShadowReading.objects.filter(pk=wrong.pk).update(answer=(label + 1) % 10)

    assert shadow.shadow_promote_ready() == [candidate]
    assert not ModelPromotion.objects.exists()
    report = ModelVersion.objects.get(name=candidate).report
    assert report["reason"] == (
        "not promoted: on 4 labelled live drawings both read, it was right on 75.00%, "
        "below the serving model's 100.00%"
    )
    assert report["awaiting_live"] is False
    assert shadow.shadow_promote_ready() == []  # judged once


def test_a_dismissed_shadow_reads_no_more(candidate, user_client, digit_png, mnist_test):
    shadow.model_shadow_start(version=candidate, by=None)
    shadow.model_shadow_stop(version=candidate, by=None)
    draw_and_label(user_client, digit_png, mnist_test, count=2, labelled=0)
    assert shadow.shadow_read_pending() == 0


def test_the_serving_version_cannot_shadow(models_dir):
    serving = registry.serving_version(models_dir)
    model_version_store(folder=models_dir / serving)
    with pytest.raises(ValueError, match="is serving"):
        shadow.model_shadow_start(version=serving, by=None)


def test_models_api_flags_drift_when_this_week_reads_unlike_the_weeks_before(
    models_dir, reviewer, settings
):
    import datetime as dt

    from django.utils import timezone

    from tests.factories import DrawingFactory

    old = timezone.now() - dt.timedelta(days=14)
    for digit in range(10):
        for _ in range(12):
            drawing = DrawingFactory(prediction__digit=digit, prediction__confidence=0.99)
            Drawing.objects.filter(pk=drawing.pk).update(created_at=old)
    drift = api_as(reviewer).get(MODELS).json()["drift"]
    assert drift["enough"] is False and drift["weeks_before"]["drawings"] == 120
    for _ in range(120):  # this week everyone draws sevens
        DrawingFactory(prediction__digit=7, prediction__confidence=0.99)
    drift = api_as(reviewer).get(MODELS).json()["drift"]
    assert drift["enough"] and drift["flagged"] and drift["shifts"] == ["answers"]
    assert drift["this_week"]["answer_shares"][7] == 1.0 and drift["psi"] > 0.2


def test_dashboard_shows_versions_live_and_links_a_shadows_disagreements(
    candidate, user_client, digit_png, mnist_test, client, reviewer
):
    shadow.model_shadow_start(version=candidate, by=None)
    ids = draw_and_label(user_client, digit_png, mnist_test, count=3, labelled=0)
    shadow.shadow_read_pending()
    ShadowReading.objects.filter(drawing_id=ids[0]).update(answer=10)  # it said "not a digit"
    client.force_login(reviewer)
    html = client.get("/admin/recognizer/drawing/dashboard/").content.decode()
    assert "Model versions, live" in html and f"<td>{candidate}</td>" in html
    assert "66.7% – review the disagreements" in html
    assert "Drift: too few drawings" in html
    listing = client.get(
        "/admin/recognizer/drawing/", {"shadow_disagrees": candidate}
    ).content.decode()
    assert f"/admin/recognizer/drawing/{ids[0]}/change/" in listing
    assert f"/admin/recognizer/drawing/{ids[1]}/change/" not in listing


def test_shadow_command_starts_and_dismisses_a_shadow(candidate_folder, capsys):
    from django.core.management import CommandError, call_command

    candidate = candidate_folder.name
    assert not ModelVersion.objects.filter(name=candidate).exists()
    call_command("shadow", candidate)  # a folder an operator put there: stored, then shadowing
    assert ModelVersion.objects.get(name=candidate).shadow_since is not None
    call_command("shadow", candidate, "--dismiss")
    assert ModelVersion.objects.get(name=candidate).shadow_since is None
    assert "no longer shadows" in capsys.readouterr().out
    with pytest.raises(CommandError, match="There is no version cnn-nope"):
        call_command("shadow", "cnn-nope")
