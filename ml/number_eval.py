"""How well whole numbers are read: whole-number and per-digit accuracy, and what went wrong."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from ml import data
from ml.inference import Predictor
from ml.measure import canvas_accuracy, canvas_outputs
from ml.number_synth import DrawnNumber, numbers
from ml.numbers import read_number
from ml.preprocessing import PreprocessingError

# What went wrong with a number read wrong.
MERGED = "merged"  # fewer digits found than drawn: neighbours read as one
SPLIT = "split"  # more found: one digit read as two
MISREAD = "misread"  # the right digits found, one or more read wrong
REFUSED = "refused"  # the drawing was refused (no ink, too many digits, a blob)
KINDS = (MISREAD, MERGED, SPLIT, REFUSED)


@dataclass
class NumberReport:
    numbers: int = 0
    whole_right: int = 0
    digits: int = 0
    digit_errors: int = 0  # edit distance between what was drawn and what was read
    errors: Counter = field(default_factory=Counter)
    by_length: dict[int, list[int]] = field(default_factory=dict)  # length -> [right, of]
    touching: list[int] = field(default_factory=lambda: [0, 0])  # with a touching pair

    @property
    def whole_accuracy(self) -> float:
        return self.whole_right / max(1, self.numbers)

    @property
    def digit_accuracy(self) -> float:
        return 1 - self.digit_errors / max(1, self.digits)

    def add(self, drawn: DrawnNumber, read: str | None) -> None:
        right = read == drawn.digits
        self.numbers += 1
        self.whole_right += right
        self.digits += len(drawn.digits)
        self.digit_errors += edit_distance(drawn.digits, read or "")
        length = self.by_length.setdefault(len(drawn.digits), [0, 0])
        length[0] += right
        length[1] += 1
        if drawn.touching:
            self.touching[0] += right
            self.touching[1] += 1
        if not right:
            self.errors[_kind(drawn.digits, read)] += 1


def _kind(drawn: str, read: str | None) -> str:
    if read is None:
        return REFUSED
    if len(read) < len(drawn):
        return MERGED
    return SPLIT if len(read) > len(drawn) else MISREAD


def edit_distance(a: str, b: str) -> int:
    """Return the Levenshtein distance: digits inserted, deleted or changed."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, start=1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


def measure(predictor: Predictor, drawn: Iterable[DrawnNumber]) -> NumberReport:
    """Read every drawn number through the site's own path and tally the results."""
    report = NumberReport()
    for number in drawn:
        try:
            read = read_number(predictor, number.png).number
        except PreprocessingError:
            read = None
        report.add(number, read)
    return report


def report(predictor: Predictor, digits: data.Digits, count: int, seed: int, progress=None):
    """Return (the numbers' report, the accuracy of the same digits drawn one at a time)."""
    drawn = list(numbers(digits, count, seed))
    result = measure(predictor, progress(drawn, count, "numbers") if progress else drawn)
    picked = [i for number in drawn for i in number.indices]
    used = data.Digits(digits.images[picked], digits.labels[picked])
    single = canvas_accuracy(used, canvas_outputs(predictor, used, progress=progress))
    return result, single.accuracy
