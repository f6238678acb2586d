"""How well and how fast a served model does: accuracy, canvas accuracy, timing.

Library code shared by serving-side comparison (ml.registry), artifacts and the CLIs.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import numpy as np

from ml import data
from ml.inference import Predictor
from ml.preprocessing import PreprocessingError
from ml.synth import render_canvas

CANVAS_SEED = 2024


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


def canvas_accuracy(
    predictor: Predictor, digits: data.Digits, seed: int = CANVAS_SEED, progress=None
):
    """Render each digit as a canvas PNG and predict it through the site's own path."""
    rng = np.random.default_rng(seed)
    hits: dict[str, list[bool]] = {}
    rejected = 0
    pairs = enumerate(zip(digits.images, digits.labels))
    if progress is not None:
        pairs = progress(pairs, len(digits), "canvas PNGs")
    for index, (image, label) in pairs:
        encoding = ("transparent", "dark_on_light", "light_on_dark", "coloured")[index % 4]
        png = render_canvas(image, rng, encoding)
        try:
            correct = predictor.predict(png).digit == int(label)
        except PreprocessingError:
            correct, rejected = False, rejected + 1
        hits.setdefault(encoding, []).append(correct)
    every = [hit for group in hits.values() for hit in group]
    return CanvasResult(
        accuracy=float(np.mean(every)),
        count=len(every),
        rejected=rejected,
        by_encoding={name: float(np.mean(group)) for name, group in hits.items()},
    )


def accuracy(predictor: Predictor, inputs: np.ndarray, labels: np.ndarray) -> float | None:
    """Return the served model's accuracy on (n, 28, 28) model inputs; None when n is 0."""
    if len(inputs) == 0:
        return None
    probs = served_probabilities(predictor, inputs)
    return float((probs.argmax(axis=1) == labels).mean())


def median_ms(function, runs: int) -> float:
    """Return the median wall time of `function()` in milliseconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)
