"""The promotion rule: a candidate serves only if it is no worse than the serving model.

Training-side only: it measures models, so web processes never import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.inference import Predictor
from ml.measure import accuracy, flag_rate

REFUSE_MNIST = (
    "not promoted: MNIST test accuracy {new:.2%} is below the serving model's {current:.2%}"
    " (tolerance {tolerance:.2%})"
)
REFUSE_REAL = (
    "not promoted: accuracy on the {count} held-out real drawings is {new:.2%}, "
    "below the serving model's {current:.2%}"
)
REFUSE_FLAGS_DIGITS = (
    'not promoted: it says "not sure" about {new:.2%} of the MNIST test digits, '
    "more than the serving model's {current:.2%}"
)
REFUSE_FLAGS_NEGATIVES = (
    "not promoted: it flags {new:.2%} of the {count} generated non-digits, "
    "fewer than the serving model's {current:.2%}"
)
# Each model's thresholds are chosen for about 1 % of validation digits, so the two flag
# rates differ by chance; half a percentage point of either is not a difference.
FLAG_TOLERANCE = 0.005
PROMOTE = (
    "promoted: not worse on the MNIST test set, at least as good on held-out real drawings, "
    'and no worse at saying "not sure"'
)


@dataclass(frozen=True)
class Comparison:
    """Both models measured on the same MNIST test digits and held-out real drawings."""

    current_version: str
    new_version: str
    mnist_count: int
    mnist_current: float
    mnist_new: float
    real_count: int
    real_current: float | None
    real_new: float | None
    digits_flagged_current: float = 0.0
    digits_flagged_new: float = 0.0
    negatives_count: int = 0
    negatives_flagged_current: float = 0.0
    negatives_flagged_new: float = 0.0

    def decision(self, mnist_tolerance: float = 0.0) -> tuple[bool, str]:
        """Return (promote?, why): not worse on MNIST test, at least as good on real drawings.

        `mnist_tolerance` is an operator's explicit allowance (0.0005 = 5 digits in 10,000).
        """
        if self.mnist_new < self.mnist_current - mnist_tolerance:
            return False, REFUSE_MNIST.format(
                new=self.mnist_new, current=self.mnist_current, tolerance=mnist_tolerance
            )
        if self.real_count and self.real_new < self.real_current:
            return False, REFUSE_REAL.format(
                count=self.real_count, new=self.real_new, current=self.real_current
            )
        if self.digits_flagged_new > self.digits_flagged_current + FLAG_TOLERANCE:
            return False, REFUSE_FLAGS_DIGITS.format(
                new=self.digits_flagged_new, current=self.digits_flagged_current
            )
        if self.negatives_flagged_new < self.negatives_flagged_current - FLAG_TOLERANCE:
            return False, REFUSE_FLAGS_NEGATIVES.format(
                count=self.negatives_count,
                new=self.negatives_flagged_new,
                current=self.negatives_flagged_current,
            )
        return True, PROMOTE


def compare(
    current: Path, new: Path, *, mnist: tuple, real: tuple, negatives: np.ndarray
) -> Comparison:
    """Measure the serving and the candidate model on the same three sets."""
    serving, candidate = Predictor(current), Predictor(new)
    return Comparison(
        current_version=current.name,
        new_version=new.name,
        mnist_count=len(mnist[1]),
        mnist_current=accuracy(serving, *mnist),
        mnist_new=accuracy(candidate, *mnist),
        real_count=len(real[1]),
        real_current=accuracy(serving, *real),
        real_new=accuracy(candidate, *real),
        digits_flagged_current=flag_rate(serving, mnist[0]),
        digits_flagged_new=flag_rate(candidate, mnist[0]),
        negatives_count=len(negatives),
        negatives_flagged_current=flag_rate(serving, negatives),
        negatives_flagged_new=flag_rate(candidate, negatives),
    )


REFUSE_LIVE = (
    "not promoted: on {count} labelled live drawings both read, it was right on {new:.2%}, "
    "below the serving model's {current:.2%}"
)
PROMOTE_LIVE = (
    "promoted: as good as the serving model on {count} labelled live drawings both read "
    "({new:.2%} against {current:.2%})"
)
WAIT_LIVE = "waiting: {count} of the {minimum} labelled live drawings it needs to be judged on"


@dataclass(frozen=True)
class LiveEvidence:
    """A shadowing candidate and the serving model on the same labelled live drawings."""

    count: int
    current: float | None  # the serving model's accuracy on them
    new: float | None  # the candidate's

    def decision(self, minimum: int) -> tuple[bool | None, str]:
        """Return (promote?, why); None while fewer than `minimum` drawings can judge it."""
        if self.count < max(minimum, 1):  # no drawing at all judges nothing
            return None, WAIT_LIVE.format(count=self.count, minimum=minimum)
        if self.new < self.current:
            return False, REFUSE_LIVE.format(count=self.count, new=self.new, current=self.current)
        return True, PROMOTE_LIVE.format(count=self.count, new=self.new, current=self.current)
