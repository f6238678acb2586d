"""Close the loop: retrain on MNIST plus labelled real drawings, promote, roll back."""

from __future__ import annotations

import dataclasses
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from ml import registry
from ml.data import load_mnist
from ml.inference import resolve_model_dir
from ml.preprocessing import from_uint8, preprocess_images
from recognizer.exports import LabelledSet, labelled_set, to_npz
from recognizer.models import Drawing, ModelPromotion

ERROR_NOTHING_TO_ROLL_BACK = (
    "No earlier version is recorded for {version}; name the version to roll back to."
)
ERROR_ALREADY_SERVING = "{version} is already serving."
QUICK_MNIST_TEST = 1000  # digits of the MNIST test set compared in --quick mode
REPORT = "retrain.json"


@dataclass(frozen=True)
class RetrainOptions:
    """How to train the candidate: these map one to one onto `python -m ml.train` options."""

    epochs: int = 2
    learning_rate: float = 2e-4
    extra_weight: float = 10.0
    holdout: float = 0.2
    scratch: bool = False  # train from random weights instead of fine-tuning the serving model
    init_version: str | None = None  # fine-tune this version instead of the serving one
    mnist_tolerance: float = 0.0  # how much MNIST test accuracy a promotion may give up
    arch: str = "cnn"
    quick: bool = False


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
) -> RetrainResult:
    """Train a candidate, compare it with the serving model, and promote it if it earns it."""
    models_dir = Path(models_dir or settings.MODEL_PATH)
    registry.serving_version(models_dir)  # fail before training if there is nowhere to promote
    current = resolve_model_dir(models_dir)
    known = registry.versions(models_dir)
    if options.init_version and options.init_version not in known:
        raise registry.RegistryError(
            registry.ERROR_UNKNOWN_VERSION.format(
                version=options.init_version, path=models_dir, known=known
            )
        )
    drawings = labelled_set(Drawing.objects.for_training())
    held = heldout_mask(drawings.ids, options.holdout)
    train_set, heldout = drawings.subset(~held), drawings.subset(held)
    new = _train(options, models_dir, current, train_set)

    test = load_mnist().test
    count = QUICK_MNIST_TEST if options.quick else len(test)
    comparison = registry.compare(
        current,
        new,
        mnist=(preprocess_images(test.images[:count]), test.labels[:count]),
        real=(from_uint8(heldout.inputs), heldout.labels),
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


def _train(options: RetrainOptions, models_dir: Path, current: Path, extra: LabelledSet) -> Path:
    from ml import train  # imports TensorFlow: only the retrain command pays for it

    argv = [
        "--arch",
        options.arch,
        "--epochs",
        str(options.epochs),
        "--learning-rate",
        str(options.learning_rate),
        "--output",
        str(models_dir),
    ]
    if not options.scratch:
        start = models_dir / options.init_version if options.init_version else current
        argv += ["--init", str(start / "model.keras")]
    if options.quick:
        argv.append("--quick")
    with tempfile.TemporaryDirectory() as tmp:
        if len(extra):
            path = Path(tmp) / "drawings.npz"
            path.write_bytes(to_npz(extra))
            argv += ["--extra", str(path), "--extra-weight", str(options.extra_weight)]
        return train.main(argv)


def model_promote(
    *,
    version: str,
    by: AbstractBaseUser | None,
    action: str,
    report: dict | None = None,
    models_dir: Path | None = None,
) -> ModelPromotion:
    """Serve `version` from the next request on, and record who did it, when and why."""
    models_dir = Path(models_dir or settings.MODEL_PATH)
    previous = registry.serving_version(models_dir)
    if version == previous:
        raise registry.RegistryError(ERROR_ALREADY_SERVING.format(version=version))
    with transaction.atomic():
        promotion = ModelPromotion(
            version=version,
            previous_version=previous,
            action=action,
            promoted_by=by,
            report=report or {},
        )
        promotion.full_clean()
        promotion.save()
        # Last, inside the transaction: if the switch fails, no promotion is recorded.
        registry.set_serving(models_dir, version)
    return promotion


def model_rollback(
    *, version: str | None = None, by: AbstractBaseUser | None = None, models_dir=None
) -> ModelPromotion:
    """Serve an earlier version again: the one named, or the one the serving model replaced."""
    models_dir = Path(models_dir or settings.MODEL_PATH)
    serving = registry.serving_version(models_dir)
    if version is None:
        last = ModelPromotion.objects.filter(version=serving).first()
        if last is None or not last.previous_version:
            raise registry.RegistryError(ERROR_NOTHING_TO_ROLL_BACK.format(version=serving))
        version = last.previous_version
    return model_promote(
        version=version,
        by=by,
        action=ModelPromotion.Action.ROLLBACK,
        report={"from": serving},
        models_dir=models_dir,
    )
