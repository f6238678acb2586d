"""Label quality: how likely a stored label is wrong, from a reading that never trained on it.

Confident learning (Northcutt et al., 2021) ranks labelled examples by the probability that a
model which never saw them gives their label: cleanlab's "self-confidence" score. A label the
model finds unlikely is probably a mis-tap. The score here is one minus that probability, over
the model's eleven answers (ten digits and "not a digit"), so higher means likelier wrong.

`python -m ml.mistaps` measures it on the validation split with seeded mis-taps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.uncertainty import NOT_A_DIGIT

# A label is "likely wrong" from this score on: chosen with `python -m ml.mistaps` on the
# validation split, as the lowest score that holds back under 0.5 % of right labels.
LIKELY_WRONG = 0.8
THRESHOLDS = (0.5, 0.8, 0.9, 0.95, 0.99)
QUEUE_DEPTHS = (10, 20, 40)


@dataclass(frozen=True)
class LabelCheck:
    """One label against one reading: the score, and what the model read instead."""

    score: float  # 1 - p(label): how likely the label is wrong
    read_as: int  # the model's likeliest answer (NOT_A_DIGIT for "not a digit")
    read_probability: float


def wrong_scores(probabilities, not_digit, labels) -> np.ndarray:
    """Return 1 - p(label) per row: digit rows of ten summing to 1, "not a digit" beside them."""
    probabilities = np.asarray(probabilities, dtype=np.float64).reshape(-1, NOT_A_DIGIT)
    not_digit = np.asarray(not_digit, dtype=np.float64).reshape(-1)
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    rows = np.arange(len(labels))
    as_digit = probabilities[rows, np.minimum(labels, NOT_A_DIGIT - 1)] * (1 - not_digit)
    return np.clip(1 - np.where(labels == NOT_A_DIGIT, not_digit, as_digit), 0.0, 1.0)


def label_check(probabilities, not_digit: float, label: int) -> LabelCheck:
    """Score one label against one reading (its ten digit probabilities and "not a digit")."""
    eleven = [p * (1 - not_digit) for p in probabilities] + [not_digit]
    read_as = max(range(len(eleven)), key=eleven.__getitem__)
    score = float(wrong_scores([probabilities], [not_digit], [label])[0])
    return LabelCheck(score=score, read_as=read_as, read_probability=float(eleven[read_as]))


def mistap(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Return each digit moved to a neighbouring key (0 -> 1, 9 -> 8, else one either side)."""
    step = rng.choice([-1, 1], size=len(labels))
    moved = labels.astype(np.int64) + step
    return np.where(moved < 0, 1, np.where(moved > 9, 8, moved))


def surfaced(scores: np.ndarray, wrong: np.ndarray, depths=QUEUE_DEPTHS) -> dict[int, int]:
    """Return how many wrong labels are among the `depth` highest scores, for each depth."""
    order = np.argsort(-scores, kind="stable")
    return {depth: int(wrong[order[:depth]].sum()) for depth in depths}


def seeded_queues(scores_right, scores_wrong, *, size=200, wrong=20, runs=100, seed=0):
    """Draw `runs` sets of `size` labels, `wrong` of them mis-taps: the mean surfaced per depth."""
    rng = np.random.default_rng(seed)
    found = {depth: [] for depth in QUEUE_DEPTHS}
    for _ in range(runs):
        right = rng.choice(scores_right, size - wrong, replace=False)
        bad = rng.choice(scores_wrong, wrong, replace=False)
        scores = np.concatenate([bad, right])
        is_wrong = np.arange(size) < wrong
        for depth, count in surfaced(scores, is_wrong).items():
            found[depth].append(count)
    return {depth: float(np.mean(counts)) for depth, counts in found.items()}
