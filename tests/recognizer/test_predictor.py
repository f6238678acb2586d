"""This host's model folder: runtime state made from the shipped models, never written back."""

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from ml import registry
from ml.inference import METRICS
from recognizer.modelops import promotions
from recognizer.models import ModelPromotion
from recognizer.serving import predictor, versions

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def fingerprint(folder: Path) -> dict:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_promote_and_rollback_write_only_the_runtime_folder(tmp_path, settings):
    settings.MODEL_PATH = tmp_path / "var" / "models"  # not there yet, as on a new host
    shipped_before = fingerprint(settings.SHIPPED_MODEL_PATH)
    shipped = registry.serving_version(settings.SHIPPED_MODEL_PATH)
    folder = versions.models_folder()
    assert registry.serving_version(folder) == shipped
    assert predictor.get_predictor().version == shipped

    candidate = folder / "cnn-candidate"  # as a retrain leaves it, in the runtime folder
    shutil.copytree(folder / shipped, candidate)
    metrics = json.loads((candidate / METRICS).read_text())
    (candidate / METRICS).write_text(json.dumps({**metrics, "version": candidate.name}))
    promotions.model_promote(version=candidate.name, by=None, action="manual")
    assert registry.serving_version(folder) == candidate.name
    promotions.model_rollback()
    assert registry.serving_version(folder) == shipped
    assert ModelPromotion.objects.count() == 2

    assert fingerprint(settings.SHIPPED_MODEL_PATH) == shipped_before
    status = subprocess.run(
        ["git", "status", "--porcelain", "--", "models"], cwd=ROOT, capture_output=True, text=True
    )
    assert status.returncode != 0 or status.stdout == ""  # outside a git checkout: no git


def test_an_existing_model_folder_is_used_as_it_is(tmp_path, settings):
    settings.MODEL_PATH = tmp_path
    (tmp_path / "CURRENT").write_text("cnn-mine\n")
    assert versions.models_folder() == tmp_path
    assert registry.serving_version(tmp_path) == "cnn-mine"
