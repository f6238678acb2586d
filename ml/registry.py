"""A folder of model versions: which one serves, switching it, and comparing two of them."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.inference import CURRENT, SERVED_MODEL, Predictor
from ml.measure import accuracy, flag_rate

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


def seed(models_dir: str | Path, shipped: str | Path) -> Path:
    """Make `models_dir` a copy of the `shipped` registry, unless it exists (atomically)."""
    target = Path(models_dir)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    for version in versions(shipped):
        shutil.copytree(Path(shipped) / version, staging / version)
    shutil.copy2(Path(shipped) / CURRENT, staging / CURRENT)
    try:
        os.replace(staging, target)
    except OSError:  # another process made it first
        shutil.rmtree(staging, ignore_errors=True)
    return target


def pack(folder: str | Path) -> bytes:
    """Return a version folder's files as one zip archive (to store where every host reads)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(Path(folder).iterdir()):
            if path.is_file():
                archive.write(path, path.name)
    return buffer.getvalue()


def unpack(data: bytes, models_dir: str | Path, version: str) -> Path:
    """Write a packed version into `models_dir`/`version` (atomically) unless it is there."""
    target = Path(models_dir) / version
    if (target / SERVED_MODEL).is_file():
        return target
    staging = Path(tempfile.mkdtemp(dir=models_dir, prefix=f".{version}."))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if Path(name).name != name or name.startswith("."):
                raise RegistryError(f"unexpected file {name!r} in the archive of {version}")
            (staging / name).write_bytes(archive.read(name))
    try:
        os.replace(staging, target)
    except OSError:  # another worker unpacked it first
        shutil.rmtree(staging, ignore_errors=True)
    return target


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
