"""Put a version into service on every host, roll back, and store versions for every host."""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction

from ml import registry
from ml.inference import METRICS, SERVED_MODEL
from recognizer.modelops import selectors as modelops_selectors
from recognizer.models import ModelPromotion, ModelVersion
from recognizer.serving import predictor, versions

ERROR_NOTHING_TO_ROLL_BACK = (
    "No earlier version is recorded for {version}; name the version to roll back to."
)
ERROR_ALREADY_SERVING = "Version {version} is already serving; nothing changed."
REPORT = "retrain.json"  # the candidate's comparison, beside its model files
PROMOTIONS_LOCK = 0x6D6E6973  # one PostgreSQL advisory lock id for every promotion


def model_version_store(*, folder: Path) -> ModelVersion:
    """Store a version folder in the database once, for every host to serve or fine-tune."""
    stored = ModelVersion.objects.filter(name=folder.name).defer("archive").first()
    if stored is not None:
        return stored
    version = ModelVersion(
        name=folder.name,
        archive=registry.pack(folder),
        metrics=_read_json(folder / METRICS),
        report=_read_json(folder / REPORT),
    )
    # The unique name is the database's to enforce: two processes may store one version.
    version.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            version.save()
    except IntegrityError:  # stored by the other one since we looked
        return ModelVersion.objects.defer("archive").get(name=folder.name)
    return version


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.is_file() else {}


def version_local(*, models_dir: Path, version: str) -> Path:
    """Return `version`'s folder on this host, unpacked from the database if need be."""
    if not versions.version_unpack(models_dir=models_dir, version=version):
        known = sorted(
            {*registry.versions(models_dir), *ModelVersion.objects.values_list("name", flat=True)}
        )
        raise registry.RegistryError(
            registry.ERROR_UNKNOWN_VERSION.format(version=version, path=models_dir, known=known)
        )
    return models_dir / version


def model_promote(
    *,
    version: str,
    by: AbstractBaseUser | None,
    action: str,
    report: dict | None = None,
    models_dir: Path | None = None,
) -> ModelPromotion:
    """Serve `version` on every host within seconds, and record who did it, when and why."""
    models_dir = Path(models_dir) if models_dir else versions.models_folder()
    if version == versions.serving_version(models_dir):
        raise registry.RegistryError(ERROR_ALREADY_SERVING.format(version=version))
    version_local(models_dir=models_dir, version=version)
    with transaction.atomic():
        _promotions_lock()
        # Read again under the lock: a promotion that waited for another sees what it did.
        previous = versions.serving_version(models_dir)
        if version == previous:
            raise registry.RegistryError(ERROR_ALREADY_SERVING.format(version=version))
        # Both stored, so that every host can serve the new one and roll back to the old.
        model_version_store(folder=models_dir / version)
        if (models_dir / previous / SERVED_MODEL).is_file():
            model_version_store(folder=models_dir / previous)
        promotion = ModelPromotion(
            version=version,
            previous_version=previous,
            action=action,
            promoted_by=by,
            report=report or {},
        )
        promotion.full_clean()
        promotion.save()
        ModelVersion.objects.filter(name=version).update(shadow_since=None)  # it serves now
        # Last, inside the transaction: if this host's switch fails, nothing is recorded.
        registry.set_serving(models_dir, version)
    predictor.recheck()
    return promotion


def _promotions_lock() -> None:
    """Make promotions and rollbacks wait for each other until this transaction ends."""
    if connection.vendor == "postgresql":  # SQLite runs one write transaction at a time
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PROMOTIONS_LOCK])


def model_rollback(
    *, version: str | None = None, by: AbstractBaseUser | None = None, models_dir=None
) -> ModelPromotion:
    """Serve an earlier version again: the one named, or the one `serving` replaced."""
    models_dir = Path(models_dir) if models_dir else versions.models_folder()
    serving = versions.serving_version(models_dir)
    if version is None:
        version = modelops_selectors.model_rollback_target(serving)
        if version is None:
            raise registry.RegistryError(ERROR_NOTHING_TO_ROLL_BACK.format(version=serving))
    return model_promote(
        version=version,
        by=by,
        action=ModelPromotion.Action.ROLLBACK,
        report={"from": serving},
        models_dir=models_dir,
    )
