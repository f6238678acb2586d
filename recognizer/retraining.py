"""Close the loop: retrain on MNIST plus labelled real drawings, promote, roll back."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction

from ml import negatives, registry
from ml.data import load_mnist
from ml.inference import METRICS, SERVED_MODEL
from ml.measure import HELDOUT_SEED
from ml.preprocessing import from_uint8, preprocess_images
from recognizer import predictor, selectors
from recognizer.exports import LabelledSet, labelled_set
from recognizer.models import Drawing, ModelPromotion, ModelVersion

ERROR_NOTHING_TO_ROLL_BACK = (
    "No earlier version is recorded for {version}; name the version to roll back to."
)
ERROR_ALREADY_SERVING = "Version {version} is already serving; nothing changed."
ERROR_NO_TENSORFLOW = (
    "Retraining needs TensorFlow where the worker runs: pip install -r requirements-ml.txt"
)
QUICK_MNIST_TEST = 1000  # digits of the MNIST test set compared in --quick mode
REPORT = "retrain.json"
PROMOTIONS_LOCK = 0x6D6E6973  # one PostgreSQL advisory lock id for every promotion


@dataclass(frozen=True)
class RetrainOptions:
    """How to train the candidate (a subset of `ml.training.TrainConfig`)."""

    epochs: int = 2
    learning_rate: float = 2e-4
    extra_weight: float = 10.0
    holdout: float = 0.2
    scratch: bool = False  # train from random weights instead of fine-tuning the serving model
    init_version: str | None = None  # fine-tune this version instead of the serving one
    mnist_tolerance: float = 0.0  # how much MNIST test accuracy a promotion may give up
    arch: str = "cnn"
    quick: bool = False

    @classmethod
    def from_mapping(cls, values: dict) -> RetrainOptions:
        """Return the options named in `values` (a command's options, a job's record)."""
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class RetrainResult:
    version: str
    comparison: registry.Comparison
    approved: bool  # passed the promotion rule
    promoted: bool  # approved, and promotion was asked for
    reason: str
    trained_on: int
    held_out: int


def heldout_mask(ids: np.ndarray, share: float) -> np.ndarray:
    """Pick the held-out share of drawings by id, so a held-out drawing never trains later."""
    scrambled = (ids.astype(np.uint64) * np.uint64(2654435761)) % np.uint64(2**32)
    return (scrambled % np.uint64(100)) < np.uint64(round(share * 100))


def model_retrain(
    *,
    options: RetrainOptions,
    by: AbstractBaseUser | None = None,
    promote: bool = True,
    models_dir: Path | None = None,
    progress=None,
) -> RetrainResult:
    """Train a candidate, compare it with the serving model, and promote it if it earns it."""
    models_dir = Path(models_dir) if models_dir else predictor.models_folder()
    current = _local(models_dir, model_serving_version(models_dir))
    if options.init_version:
        _local(models_dir, options.init_version)
    drawings = labelled_set(Drawing.objects.for_training())
    held = heldout_mask(drawings.ids, options.holdout)
    train_set, heldout = drawings.subset(~held), drawings.subset(held)
    new = _train(options, models_dir, current, train_set, progress)

    test = load_mnist().test
    count = QUICK_MNIST_TEST if options.quick else len(test)
    comparison = registry.compare(
        current,
        new,
        mnist=(preprocess_images(test.images[:count]), test.labels[:count]),
        real=(from_uint8(heldout.inputs), heldout.labels),
        negatives=negatives.inputs(count // 5, HELDOUT_SEED, test.images[:count], typed=True),
    )
    approved, reason = comparison.decision(options.mnist_tolerance)
    report = {
        **dataclasses.asdict(comparison),
        "approved": approved,
        "promoted": approved and promote,
        "reason": reason,
        "trained_on_drawings": len(train_set),
        "held_out_drawing_ids": heldout.ids.tolist(),
        "options": dataclasses.asdict(options),
    }
    (new / REPORT).write_text(json.dumps(report, indent=2) + "\n")
    model_version_store(folder=new)
    if approved and promote:
        model_promote(
            version=new.name,
            by=by,
            action=ModelPromotion.Action.RETRAIN,
            report=report,
            models_dir=models_dir,
        )
    return RetrainResult(
        new.name, comparison, approved, approved and promote, reason, len(train_set), len(heldout)
    )


def _train(
    options: RetrainOptions, models_dir: Path, current: Path, extra: LabelledSet, progress
) -> Path:
    try:
        from ml import training  # imports TensorFlow: only the retrain worker pays for it
    except ImportError as exc:
        raise RuntimeError(ERROR_NO_TENSORFLOW) from exc

    start = models_dir / options.init_version if options.init_version else current
    config = training.TrainConfig(
        output=models_dir,
        arch=options.arch,
        epochs=options.epochs,
        learning_rate=options.learning_rate,
        extra_weight=options.extra_weight,
        init=None if options.scratch else start / "model.keras",
        quick=options.quick,
    )
    drawings = training.Drawings(extra.inputs, extra.labels)
    return training.train(config, extra=drawings, progress=progress)


def model_serving_version(models_dir: Path) -> str:
    """Return the version that serves: the latest promotion's, or this host's CURRENT before any."""
    local = registry.serving_version(models_dir)  # refuses a folder that is not a registry
    return selectors.model_serving_version() or local


def model_serving_version_or_none() -> str | None:
    """Return the serving version for pages: None where MODEL_PATH is not a registry."""
    try:
        return model_serving_version(predictor.models_folder())
    except registry.RegistryError:
        return selectors.model_serving_version()


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


def model_version_unpack(*, models_dir: Path, version: str) -> bool:
    """Make `version` present in this host's folder, from the database; False if it is nowhere."""
    if (models_dir / version / SERVED_MODEL).is_file():
        return True
    archive = ModelVersion.objects.filter(name=version).values_list("archive", flat=True).first()
    if archive is None:
        return False
    registry.unpack(bytes(archive), models_dir, version)
    return True


def _local(models_dir: Path, version: str) -> Path:
    if not model_version_unpack(models_dir=models_dir, version=version):
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
    models_dir = Path(models_dir) if models_dir else predictor.models_folder()
    if version == model_serving_version(models_dir):
        raise registry.RegistryError(ERROR_ALREADY_SERVING.format(version=version))
    _local(models_dir, version)
    with transaction.atomic():
        _promotions_lock()
        # Read again under the lock: a promotion that waited for another sees what it did.
        previous = model_serving_version(models_dir)
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
    """Serve an earlier version again: the one named, or `selectors.model_rollback_target`."""
    models_dir = Path(models_dir) if models_dir else predictor.models_folder()
    serving = model_serving_version(models_dir)
    if version is None:
        version = selectors.model_rollback_target(serving)
        if version is None:
            raise registry.RegistryError(ERROR_NOTHING_TO_ROLL_BACK.format(version=serving))
    return model_promote(
        version=version,
        by=by,
        action=ModelPromotion.Action.ROLLBACK,
        report={"from": serving},
        models_dir=models_dir,
    )
