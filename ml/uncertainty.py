"""Say "not sure": calibrate the model's probabilities and flag what it cannot read.

The model has an eleventh output, "not a digit", trained on generated negatives (outlier
exposure, see ml.negatives). Temperature scaling, fitted on the validation split, makes its
probabilities honest (reported as expected calibration error, ECE). Two thresholds, chosen
on validation data for a stated rate of real digits flagged, decide what is flagged:
  - not_a_digit: the "not a digit" probability is at least `not_digit_threshold`;
  - ambiguous: the best digit's probability (among digits) is below `ambiguous_threshold`.
Thresholds travel in the model's metrics.json; no code holds them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

NOT_A_DIGIT = 10  # the index of the extra output
NOT_A_DIGIT_REASON = "not_a_digit"
AMBIGUOUS_REASON = "ambiguous"
TARGET_FLAG_RATE = 0.01  # of real validation digits, split evenly between the two reasons
ALTERNATIVE_MIN = 0.05  # a digit this likely is worth naming as an alternative
MAX_ALTERNATIVES = 3
TEMPERATURES = np.exp(np.linspace(np.log(0.25), np.log(8.0), 200))


@dataclass(frozen=True)
class Calibration:
    """How a model's outputs become calibrated probabilities and flags."""

    temperature: float = 1.0
    not_digit_threshold: float = 1.01  # above any probability: never flagged
    ambiguous_threshold: float = 0.0
    target_flag_rate: float = TARGET_FLAG_RATE

    @classmethod
    def from_metrics(cls, metrics: dict) -> Calibration:
        """Read the calibration a model's metrics.json holds; none flags nothing."""
        block = metrics.get("uncertainty") or {}
        names = cls.__dataclass_fields__
        return cls(**{key: float(value) for key, value in block.items() if key in names})

    def to_metrics(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Judgement:
    """One drawing's calibrated reading: digit probabilities and whether to trust them."""

    probabilities: tuple[float, ...]  # the ten digits, summing to 1
    not_digit_probability: float
    uncertain: bool
    reason: str | None
    alternatives: tuple[int, ...]  # the likeliest digits, most likely first


def calibrated(outputs: np.ndarray, temperature: float) -> np.ndarray:
    """Return softmax(log(outputs) / T) row by row: the outputs, tempered."""
    logits = np.log(np.clip(outputs, 1e-12, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def split(probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (digit probabilities renormalized to sum 1, not-a-digit probability)."""
    if probs.shape[1] == NOT_A_DIGIT:  # a ten-output model knows no "not a digit"
        return probs, np.zeros(len(probs))
    digits = probs[:, :NOT_A_DIGIT]
    return digits / np.maximum(digits.sum(axis=1, keepdims=True), 1e-12), probs[:, NOT_A_DIGIT]


def judge(outputs: np.ndarray, calibration: Calibration) -> list[Judgement]:
    """Turn raw model outputs, (n, 10) or (n, 11), into judgements."""
    digits, not_digit = split(calibrated(outputs, calibration.temperature))
    return [_judgement(row, float(nd), calibration) for row, nd in zip(digits, not_digit)]


def _judgement(row: np.ndarray, not_digit: float, calibration: Calibration) -> Judgement:
    order = np.argsort(-row)
    likely = [int(d) for d in order[:MAX_ALTERNATIVES] if row[d] >= ALTERNATIVE_MIN]
    reason = None
    if not_digit >= calibration.not_digit_threshold:
        reason = NOT_A_DIGIT_REASON
    elif row[order[0]] < calibration.ambiguous_threshold:
        reason = AMBIGUOUS_REASON
    return Judgement(
        probabilities=tuple(float(p) for p in row),
        not_digit_probability=not_digit,
        uncertain=reason is not None,
        reason=reason,
        alternatives=tuple(likely or [int(order[0])]),
    )


def flagged(outputs: np.ndarray, calibration: Calibration) -> np.ndarray:
    """Return a boolean per row: would the site say "not sure"?"""
    digits, not_digit = split(calibrated(outputs, calibration.temperature))
    return (not_digit >= calibration.not_digit_threshold) | (
        digits.max(axis=1) < calibration.ambiguous_threshold
    )


def fit_temperature(outputs: np.ndarray, labels: np.ndarray) -> float:
    """Return the temperature that minimizes the negative log-likelihood of `labels`."""
    losses = [
        -np.log(np.clip(calibrated(outputs, t)[np.arange(len(labels)), labels], 1e-12, 1)).mean()
        for t in TEMPERATURES
    ]
    return float(TEMPERATURES[int(np.argmin(losses))])


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """Return the ECE of the top-1 confidence: the gap to accuracy, weighted by bin size."""
    confidence, correct = probs.max(axis=1), probs.argmax(axis=1) == labels
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    gap = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            gap += members.mean() * abs(confidence[members].mean() - correct[members].mean())
    return float(gap)


def choose(
    digit_outputs: np.ndarray, temperature: float, rate: float = TARGET_FLAG_RATE
) -> Calibration:
    """Pick both thresholds on real validation digits so that `rate` of them are flagged."""
    digits, not_digit = split(calibrated(digit_outputs, temperature))
    not_digit_threshold = float(np.quantile(not_digit, 1 - rate / 2)) + 1e-9
    kept = digits[not_digit < not_digit_threshold].max(axis=1)
    ambiguous_threshold = float(np.quantile(kept, rate / 2)) if len(kept) else 0.0
    return Calibration(temperature, not_digit_threshold, ambiguous_threshold, rate)
