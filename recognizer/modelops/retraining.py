"""Close the loop: retrain on MNIST plus labelled real drawings, compare, promote if earned."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from ml import negatives, promotion
from ml.data import Digits, load_mnist
from ml.inference import Predictor
from ml.measure import HELD_OUT_SEED
from ml.preprocessing import from_uint8, preprocess_images
from ml.uncertainty import judge
from recognizer.drawings.labelling import drawing_label_scores_update, label_score
from recognizer.drawings.selectors import drawings_labelled
from recognizer.modelops.promotions import REPORT, model_promote, model_version_store, version_local
from recognizer.modelops.shadow import model_shadow_start
from recognizer.models import NOT_A_DIGIT, Drawing, ModelPromotion
from recognizer.serving import versions

ERROR_NO_TENSORFLOW = (
    "Retraining needs TensorFlow where the worker runs: pip install -r requirements-ml.txt"
)
AWAITING_LIVE = "approved offline; shadowing until {minimum} labelled live drawings can judge it"
QUICK_MNIST_TEST = 1000  # digits of the MNIST test set compared in --quick mode


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
    """A retrain's outcome; `report` is kept by the candidate's folder, job and promotion."""

    version: str
    comparison: promotion.Comparison
    approved: bool  # passed the promotion rule
    promoted: bool  # approved, and promotion was asked for
    reason: str
    trained_on: int
    held_out: int
    held_back: int  # labels waiting for a reviewer: likely wrong, or awaiting a second opinion
    report: dict


def held_out_mask(ids: np.ndarray, share: float) -> np.ndarray:
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
    resume: bool = False,
) -> RetrainResult:
    """Train a candidate, compare it with the serving model, and promote it if it earns it.

    With `resume`, training carries on from the checkpoint in the folder's work folder.
    """
    models_dir = Path(models_dir) if models_dir else versions.models_folder()
    current = version_local(models_dir=models_dir, version=versions.serving_version(models_dir))
    if options.init_version:
        version_local(models_dir=models_dir, version=options.init_version)
    drawings = drawings_labelled(Drawing.objects.for_training())
    held = held_out_mask(drawings.ids, options.holdout)
    train_set, held_out = drawings.subset(~held), drawings.subset(held)
    waiting = Drawing.objects.awaiting_person().filter(excluded_from_training=False)
    held_back = {
        "likely_wrong": waiting.likely_wrong().exclude(label=NOT_A_DIGIT).count(),
        "second_opinion": waiting.filter(needs_second_opinion=True).count(),
    }
    new = _train(options, models_dir, current, train_set, progress, resume)
    # Neither the held-out drawings nor those held back trained it: its readings of them
    # are out of sample, the fresh evidence their labels' scores should rest on.
    rescored = label_scores_refresh(new, [held_out, drawings_labelled(waiting)])

    test = load_mnist().test
    count = QUICK_MNIST_TEST if options.quick else len(test)
    comparison = promotion.compare(
        current,
        new,
        mnist=(preprocess_images(test.images[:count]), test.labels[:count]),
        real=(from_uint8(held_out.images), held_out.labels),
        negatives=negatives.inputs(count // 5, HELD_OUT_SEED, test.images[:count], typed=True),
    )
    approved, reason = comparison.decision(options.mnist_tolerance)
    # Approved offline, it still proves itself on live drawings first, unless that is off.
    awaiting_live = approved and promote and settings.LIVE_EVIDENCE_MIN > 0
    if awaiting_live:
        reason = AWAITING_LIVE.format(minimum=settings.LIVE_EVIDENCE_MIN)
    report = {
        **dataclasses.asdict(comparison),
        "approved": approved,
        "promoted": approved and promote and not awaiting_live,
        "awaiting_live": awaiting_live,
        "reason": reason,
        "trained_on_drawings": len(train_set),
        "held_out_drawing_ids": held_out.ids.tolist(),
        "held_back_drawings": held_back,
        "label_scores_refreshed": rescored,
        "options": dataclasses.asdict(options),
    }
    (new / REPORT).write_text(json.dumps(report, indent=2) + "\n")
    model_version_store(folder=new)
    if awaiting_live or not (report["promoted"] or options.quick):
        model_shadow_start(version=new.name, by=None)
    if report["promoted"]:
        model_promote(
            version=new.name,
            by=by,
            action=ModelPromotion.Action.RETRAIN,
            report=report,
            models_dir=models_dir,
        )
    return RetrainResult(
        version=new.name,
        comparison=comparison,
        approved=approved,
        promoted=report["promoted"],
        reason=reason,
        trained_on=len(train_set),
        held_out=len(held_out),
        held_back=sum(held_back.values()),
        report=report,
    )


def label_scores_refresh(folder: Path, parts: list[Digits]) -> int:
    """Score these drawings' labels with the candidate in `folder`, which never trained on them."""
    drawings = Digits(
        np.concatenate([part.images for part in parts]),
        np.concatenate([part.labels for part in parts]),
        np.concatenate([part.ids for part in parts]),
    )
    if not len(drawings):
        return 0
    predictor = Predictor(folder)
    judged = judge(predictor.probabilities(from_uint8(drawings.images)), predictor.calibration)
    scores = {}
    for pk, label, reading in zip(drawings.ids, drawings.labels, judged, strict=True):
        probabilities, not_digit = reading.probabilities, reading.not_digit_probability
        score, reason = label_score(probabilities, not_digit, int(label), folder.name)
        scores[int(pk)] = (int(label), score, reason)
    return drawing_label_scores_update(scores=scores)


def _train(
    options: RetrainOptions, models_dir: Path, current: Path, extra: Digits, progress, resume
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
        resume=resume,
    )
    return training.train(config, extra=extra, progress=progress)
