"""Drift: is what people draw this week unlike what they drew before? Stated tests, no Django.

- The mix of answers (ten digits and "not a digit"): the population stability index,
  PSI = sum((a - b) * ln(a / b)) over the shares, each share floored at 0.5 / n. PSI >= 0.2 is
  the usual line for a shift worth a look (below 0.1: none).
- The "not sure" rate: a two-proportion z-test; |z| >= 3 is a shift.
- The mean confidence: Welch's z on the two means; |z| >= 3 is a shift.
A window with fewer than MIN_DRAWINGS drawings is too small to judge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

PSI_SHIFT = 0.2
Z_SHIFT = 3.0
MIN_DRAWINGS = 100


@dataclass(frozen=True)
class Window:
    """A period's reading mix: answers counted 0-10, "not sure" count, confidence mean and sd."""

    drawings: int
    answers: list[int]
    not_sure: int
    confidence_mean: float | None
    confidence_sd: float | None


def psi(now: list[int], before: list[int]) -> float:
    """Return the population stability index of two count vectors over the same classes."""
    total_now, total_before = sum(now), sum(before)
    value = 0.0
    for a, b in zip(now, before, strict=True):
        share_a = max(a, 0.5) / total_now
        share_b = max(b, 0.5) / total_before
        value += (share_a - share_b) * math.log(share_a / share_b)
    return value


def proportion_z(hits_a: int, n_a: int, hits_b: int, n_b: int) -> float:
    """Return the two-proportion z statistic (pooled); 0 when both rates are 0 or 1."""
    pooled = (hits_a + hits_b) / (n_a + n_b)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    return 0.0 if spread == 0 else (hits_a / n_a - hits_b / n_b) / spread


def mean_z(a: Window, b: Window) -> float:
    """Return Welch's z for the difference of two windows' mean confidences."""
    spread = math.sqrt(
        (a.confidence_sd or 0) ** 2 / a.drawings + (b.confidence_sd or 0) ** 2 / b.drawings
    )
    return 0.0 if spread == 0 else (a.confidence_mean - b.confidence_mean) / spread


def judge(now: Window, before: Window) -> dict:
    """Compare this window with the one before: each statistic, and what shifted."""
    if min(now.drawings, before.drawings) < MIN_DRAWINGS:
        return {
            "enough": False,
            "flagged": False,
            "shifts": [],
            "psi": None,
            "not_sure_z": None,
            "confidence_z": None,
        }
    stats = {
        "psi": round(psi(now.answers, before.answers), 4),
        "not_sure_z": round(
            proportion_z(now.not_sure, now.drawings, before.not_sure, before.drawings), 2
        ),
        "confidence_z": round(mean_z(now, before), 2),
    }
    shifts = [
        *(["answers"] if stats["psi"] >= PSI_SHIFT else []),
        *(["not_sure_rate"] if abs(stats["not_sure_z"]) >= Z_SHIFT else []),
        *(["mean_confidence"] if abs(stats["confidence_z"]) >= Z_SHIFT else []),
    ]
    return {"enough": True, "flagged": bool(shifts), "shifts": shifts, **stats}
