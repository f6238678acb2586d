"""How well and how fast a served model does: accuracy, canvas accuracy, timing.

Library code shared by serving-side comparison (ml.registry), artifacts and the CLIs.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import numpy as np

from ml import data, negatives, uncertainty
from ml.inference import Predictor
from ml.preprocessing import PreprocessingError, preprocess, preprocess_images
from ml.synth import ENCODINGS, render_canvas
from ml.uncertainty import NOT_A_DIGIT

CANVAS_SEED = 2024
VALIDATION_CANVAS_SEED = 2025
HELD_OUT_SEED = 7919  # the report's negatives; training uses the run's seed + 1 and + 2
HELD_OUT_NEGATIVES = 2000


@dataclass(frozen=True)
class CanvasResult:
    accuracy: float
    count: int
    rejected: int
    by_encoding: dict[str, float]


def served_probabilities(predictor: Predictor, inputs: np.ndarray, batch: int = 500):
    """Return the served model's probabilities for many inputs, in batches."""
    return np.concatenate(
        [predictor.probabilities(inputs[i : i + batch]) for i in range(0, len(inputs), batch)]
    )


def digit_of(outputs: np.ndarray) -> np.ndarray:
    """Return the digit the site reports for each row of outputs (never "not a digit")."""
    return outputs[:, :NOT_A_DIGIT].argmax(axis=1)


def png_outputs(predictor: Predictor, pngs, progress=None, total: int = 0):
    """Return (outputs of the PNGs preprocessing accepts, accepted mask), via the site's path."""
    inputs, accepted = [], []
    if progress is not None:
        pngs = progress(pngs, total, "canvas PNGs")
    for png in pngs:
        try:
            inputs.append(preprocess(png).pixels)
            accepted.append(True)
        except PreprocessingError:
            accepted.append(False)
    outputs = served_probabilities(predictor, np.stack(inputs)) if inputs else np.zeros((0, 10))
    return outputs, np.array(accepted, dtype=bool)


def canvas_pngs(digits: data.Digits, seed: int = CANVAS_SEED):
    """Yield each digit as a canvas PNG, the four encodings in turn."""
    rng = np.random.default_rng(seed)
    for index, image in enumerate(digits.images):
        yield render_canvas(image, rng, ENCODINGS[index % len(ENCODINGS)])


def canvas_outputs(predictor: Predictor, digits: data.Digits, progress=None):
    """Render each digit as a canvas PNG and run it through the site's own path, once."""
    return png_outputs(predictor, canvas_pngs(digits), progress, len(digits))


def canvas_accuracy(digits: data.Digits, canvas) -> CanvasResult:
    """Return the accuracy of `canvas_outputs` for `digits`; a refused PNG counts as wrong."""
    outputs, accepted = canvas
    correct = np.zeros(len(digits), dtype=bool)
    correct[accepted] = digit_of(outputs) == digits.labels[accepted]
    encodings = np.array([ENCODINGS[i % len(ENCODINGS)] for i in range(len(digits))])
    return CanvasResult(
        accuracy=float(correct.mean()),
        count=len(digits),
        rejected=int((~accepted).sum()),
        by_encoding={name: float(correct[encodings == name].mean()) for name in ENCODINGS},
    )


def calibrate(predictor: Predictor, validation: data.Digits, negatives: np.ndarray):
    """Fit the temperature and choose the thresholds, on validation data only.

    The temperature on the validation inputs as training sees them (digits and generated
    negatives); the thresholds on its digits as canvas PNGs, the way the site receives them.
    """
    inputs = np.concatenate([preprocess_images(validation.images), negatives.reshape(-1, 28, 28)])
    labels = np.concatenate([validation.labels, np.full(len(negatives), NOT_A_DIGIT)])
    outputs = served_probabilities(predictor, inputs)
    if outputs.shape[1] == NOT_A_DIGIT:
        outputs, labels = outputs[: len(validation)], labels[: len(validation)]
    temperature = uncertainty.fit_temperature(outputs, labels)
    canvas, _ = png_outputs(predictor, canvas_pngs(validation, VALIDATION_CANVAS_SEED))
    return uncertainty.choose(canvas, temperature)


def held_out_negative_pngs(digits: data.Digits, count: int = HELD_OUT_NEGATIVES):
    """Yield the held-out negatives: their own seed, and typed letters training never saw."""
    return negatives.generate(count, HELD_OUT_SEED, typed=True, digits=digits.images)


def uncertainty_report(
    predictor: Predictor, calibration, digits: data.Digits, canvas, progress=None
) -> dict:
    """Measure "not sure" on real digits (`canvas_outputs`) and on held-out negatives."""
    outputs, accepted = canvas
    labels = digits.labels[accepted]
    flags = uncertainty.flagged(outputs, calibration)
    tempered = uncertainty.calibrated(outputs, calibration.temperature)
    count = min(HELD_OUT_NEGATIVES, len(digits))  # fewer for a --limit run or a smoke test
    negative_outputs, kept = png_outputs(
        predictor, held_out_negative_pngs(digits, count), progress, count
    )
    negative_flags = uncertainty.flagged(negative_outputs, calibration)
    kinds = np.array([negatives.KINDS[i % len(negatives.KINDS)] for i in range(len(kept))])[kept]
    correct = digit_of(outputs) == labels
    return {
        "digits_flagged": float(flags.mean()),
        "unflagged_accuracy": float(correct[~flags].mean()),
        "negatives_count": int(kept.sum()),
        "negatives_flagged": float(negative_flags.mean()),
        "negatives_flagged_by_kind": {
            kind: float(negative_flags[kinds == kind].mean()) for kind in negatives.KINDS
        },
        "ece_uncalibrated": uncertainty.expected_calibration_error(
            uncertainty.split(outputs)[0], labels
        ),
        "ece": uncertainty.expected_calibration_error(uncertainty.split(tempered)[0], labels),
    }


def accuracy_of(outputs: np.ndarray, labels: np.ndarray) -> float | None:
    """Return the share of rows whose reported digit is their label; None when there are none."""
    if len(labels) == 0:
        return None
    return float((digit_of(outputs) == labels).mean())


def accuracy(predictor: Predictor, inputs: np.ndarray, labels: np.ndarray) -> float | None:
    """Return the served model's accuracy on (n, 28, 28) model inputs; None when n is 0."""
    if len(inputs) == 0:
        return None
    return accuracy_of(served_probabilities(predictor, inputs), labels)


def flag_rate(predictor: Predictor, inputs: np.ndarray) -> float:
    """Return the share of (n, 28, 28) inputs the model would say "not sure" about."""
    if len(inputs) == 0:
        return 0.0
    flags = uncertainty.flagged(served_probabilities(predictor, inputs), predictor.calibration)
    return float(flags.mean())


def median_ms(function, runs: int) -> float:
    """Return the median wall time of `function()` in milliseconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)
