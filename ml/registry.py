"""A folder of model versions: which one serves, switching it, and comparing two of them."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.evaluate import served_probabilities
from ml.inference import CURRENT, SERVED_MODEL, Predictor

ERROR_NOT_A_REGISTRY = (
    "{path} is not a folder of model versions with a CURRENT file; "
    "set MODEL_PATH to such a folder (the repository's models/ is one)"
)
ERROR_UNKNOWN_VERSION = "there is no model version {version!r} in {path}; known: {known}"
REFUSE_MNIST = (
    "not promoted: MNIST test accuracy {new:.2%} is below the serving model's {current:.2%}"
    " (tolerance {tolerance:.2%})"
)
REFUSE_REAL = (
    "not promoted: accuracy on the {count} held-out real drawings is {new:.2%}, "
    "below the serving model's {current:.2%}"
)
PROMOTE = "promoted: not worse on the MNIST test set and at least as good on held-out real drawings"


class RegistryError(ValueError):
    """The model folder or the version asked for does not exist."""


def serving_version(models_dir: str | Path) -> str:
    """Return the version the CURRENT file names."""
    pointer = Path(models_dir) / CURRENT
    if not pointer.is_file():
        raise RegistryError(ERROR_NOT_A_REGISTRY.format(path=models_dir))
    return pointer.read_text().strip()


def versions(models_dir: str | Path) -> list[str]:
    """Return every servable version in the folder, oldest first by name."""
    root = Path(models_dir)
    return sorted(p.parent.name for p in root.glob(f"*/{SERVED_MODEL}"))


def set_serving(models_dir: str | Path, version: str) -> Path:
    """Point CURRENT at `version` atomically, so a worker never reads half a name."""
    root = Path(models_dir)
    serving_version(root)  # refuses a folder that is not a registry
    if version not in versions(root):
        raise RegistryError(
            ERROR_UNKNOWN_VERSION.format(version=version, path=root, known=versions(root))
        )
    handle, temporary = tempfile.mkstemp(dir=root, prefix=".CURRENT.")
    with os.fdopen(handle, "w") as file:
        file.write(version + "\n")
    os.replace(temporary, root / CURRENT)
    return root / version


def accuracy(predictor: Predictor, inputs: np.ndarray, labels: np.ndarray) -> float | None:
    """Return the served model's accuracy on (n, 28, 28) model inputs; None when n is 0."""
    if len(inputs) == 0:
        return None
    probs = served_probabilities(predictor, inputs)
    return float((probs.argmax(axis=1) == labels).mean())


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
        return True, PROMOTE


def compare(current: Path, new: Path, *, mnist: tuple, real: tuple) -> Comparison:
    """Measure the serving and the candidate model on the same two sets."""
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
    )
