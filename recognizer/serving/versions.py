"""Which model version serves: the one answer, from the database and this host's folder."""

import json
from pathlib import Path

from django.conf import settings

from ml import registry
from ml.inference import METRICS, SERVED_MODEL
from recognizer.models import ModelPromotion, ModelVersion


def models_folder() -> Path:
    """Return this host's folder of model versions, made from the shipped ones at first use.

    Promotions and retrains write there (runtime state, outside the tracked files); the
    shipped models in SHIPPED_MODEL_PATH are only ever read.
    """
    return registry.seed(Path(settings.MODEL_PATH), settings.SHIPPED_MODEL_PATH)


def promoted_version() -> str | None:
    """Return the version the latest promotion put into service, or None before any."""
    return ModelPromotion.objects.values_list("version", flat=True).first()


def serving_version(models_dir: Path) -> str:
    """Return the version that serves: the latest promotion's, or this host's CURRENT before any."""
    local = registry.serving_version(models_dir)  # refuses a folder that is not a registry
    return promoted_version() or local


def serving_version_or_none() -> str | None:
    """Return the serving version for pages: None where MODEL_PATH is not a registry."""
    try:
        return serving_version(models_folder())
    except registry.RegistryError:
        return promoted_version()


def version_unpack(*, models_dir: Path, version: str) -> bool:
    """Make `version` present in this host's folder, from the database; False if it is nowhere."""
    if (models_dir / version / SERVED_MODEL).is_file():
        return True
    archive = ModelVersion.objects.filter(name=version).values_list("archive", flat=True).first()
    if archive is None:
        return False
    registry.unpack(bytes(archive), models_dir, version)
    return True


def local_metrics(version: str) -> dict:
    """Return a version's metrics.json from this host's folder, or {} where it has none."""
    try:
        path = models_folder() / version / METRICS
    except registry.RegistryError:
        return {}
    return json.loads(path.read_text()) if path.is_file() else {}
