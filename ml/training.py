"""Train the digit CNN on MNIST (plus labelled real drawings) and write a served artifact.

The library behind `python -m ml.train` and the site's retrain job: `train(config, ...)`
runs in the caller's process and returns the new version's folder.
"""

from __future__ import annotations

import csv
import dataclasses
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from ml import artifact, data, negatives, number_crops
from ml.augment import augment
from ml.checkpoint import WORK_DIR
from ml.config import SHIPPED_MODELS
from ml.model import build_model, with_not_a_digit
from ml.preprocessing import from_uint8, preprocess_images
from ml.uncertainty import NOT_A_DIGIT


@dataclass(frozen=True)
class TrainConfig:
    """Everything a training run needs; the CLI's options map one to one onto these."""

    output: Path = Path(SHIPPED_MODELS)
    arch: str = "cnn"
    epochs: int = 30
    batch_size: int = 128
    learning_rate: float = 2e-3
    val_size: int = 5000
    patience: int = 8
    seed: int = 1234
    data: str | None = None  # MNIST .pkl.gz, .npz or labelled .csv (default: bundled)
    test_data: str | None = None
    extra_weight: float = 10.0
    init: Path | None = None  # start from this .keras model's weights
    resume: bool = False
    negatives: int = 20000  # generated non-digits to learn "not a digit" from
    number_crops: int = 20000  # digits cropped as a number's reading crops them
    quick: bool = False  # a few hundred images, 1 epoch: a smoke test
    report_only: bool = False


@dataclass(frozen=True)
class Epoch:
    """Progress after one epoch, for whoever watches the run."""

    epoch: int
    epochs: int
    val_accuracy: float
    seconds_left: float


def normalized(images: np.ndarray) -> np.ndarray:
    """Run every digit through the same preprocessing the site uses, as (n, 28, 28, 1)."""
    return preprocess_images(images)[..., None]


@dataclass(frozen=True)
class Prepared:
    """The arrays one training run uses: inputs as (n, 28, 28, 1), "not a digit" included."""

    x_train: np.ndarray
    y_train: np.ndarray
    weights: np.ndarray  # real drawings weigh extra_weight, MNIST and negatives 1
    x_val: np.ndarray
    y_val: np.ndarray
    validation: data.Digits  # the raw validation digits, for calibration
    test: data.Digits  # the raw test digits, touched only by the report
    negatives: int
    crops: int
    source: str
    fingerprint: str


def train(
    config: TrainConfig,
    *,
    extra: data.Digits | None = None,
    progress: Callable[[Epoch], None] | None = None,
) -> Path:
    """Train, keep the best epoch by validation accuracy, and write the artifact folder."""
    if config.quick:
        config = dataclasses.replace(
            config, epochs=1, val_size=200, negatives=200, number_crops=200
        )
    keras.utils.set_random_seed(config.seed)
    work = _work_folder(config)
    prepared = prepare(config, extra)  # Prepare
    model = _compiled_model(config, len(prepared.x_train))  # Build
    seconds = _fit(config, model, prepared, work, progress)  # Train
    return _report(config, prepared, work, seconds)  # Evaluate


def prepare(config: TrainConfig, extra: data.Digits | None = None) -> Prepared:
    """Split validation from the training pool, add negatives and real drawings."""
    mnist = data.load_mnist(config.data, config.test_data)
    pool, test = mnist.train, mnist.test
    if config.quick:
        pool, test = _head(pool, 800), _head(test, 300)
    train_set, val = data.split_validation(pool, config.val_size, config.seed)
    x_train, y_train = normalized(train_set.images), train_set.labels
    x_val, y_val = normalized(val.images), val.labels
    # Negatives and crops are drawn from each split's own digits, with their own seeds.
    seed, digit_count = config.seed, len(x_train)
    x_train, y_train = with_negatives(x_train, y_train, config.negatives, seed + 1, train_set)
    negative_count = len(x_train) - digit_count
    x_val, y_val = with_negatives(x_val, y_val, config.negatives // 6, seed + 2, val)
    x_train, y_train = with_number_crops(x_train, y_train, config.number_crops, seed + 3, train_set)
    crop_count = len(x_train) - digit_count - negative_count
    x_val, y_val = with_number_crops(x_val, y_val, config.number_crops // 6, seed + 4, val)
    weights = np.ones(len(x_train), dtype=np.float32)
    if extra is not None and len(extra.labels):
        x_train, y_train, weights = add_real_drawings(
            extra, config.extra_weight, x_train, y_train, weights
        )
    print(f"train {len(x_train)}, validation {len(x_val)}, test {len(mnist.test)}")
    return Prepared(
        x_train,
        y_train,
        weights,
        x_val,
        y_val,
        val,
        test,
        negative_count,
        crop_count,
        mnist.source,
        mnist.fingerprint(),
    )


def _work_folder(config: TrainConfig) -> Path:
    work = config.output / WORK_DIR
    if not (config.resume or config.report_only):
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    return work


def _fit(config: TrainConfig, model, prepared: Prepared, work: Path, progress) -> float:
    """Fit from the checkpoint's epoch on; return the training seconds, resumed runs included."""
    seconds_path = work / "seconds.txt"
    earlier = float(seconds_path.read_text()) if seconds_path.exists() else 0.0
    started = time.time()
    if not config.report_only:
        model.fit(
            _dataset(config, prepared.x_train, prepared.y_train, prepared.weights),
            epochs=config.epochs,
            validation_data=(prepared.x_val, prepared.y_val),
            callbacks=_callbacks(config, work, earlier, started, progress),
            verbose=2 if config.quick else "auto",
            shuffle=False,  # the dataset reshuffles itself every epoch
        )
    return earlier + time.time() - started


def _report(config: TrainConfig, prepared: Prepared, work: Path, seconds: float) -> Path:
    """Measure the best checkpoint once on the official test set and write the artifact."""
    history_path = work / "history.csv"
    best = keras.models.load_model(work / "best.keras")
    out = artifact.write(
        best,
        output=config.output,
        arch=config.arch,
        test=(normalized(prepared.test.images), prepared.test.labels),
        raw_test=prepared.test,
        validation=prepared.validation,
        val_negatives=prepared.x_val[prepared.y_val == NOT_A_DIGIT],
        history=read_history(history_path),
        info={
            "epochs": len(read_history(history_path)),
            "batch_size": config.batch_size,
            "training_seconds": round(seconds, 1),
            "train_size": len(prepared.x_train) - prepared.negatives - prepared.crops,
            "negatives": prepared.negatives,
            "number_crops": prepared.crops,
            "val_size": len(prepared.x_val),
            "data": prepared.source,
            "data_hash": prepared.fingerprint,
            "extra_drawings": int((prepared.weights > 1).sum()),
            "seed": config.seed,
            "initialized_from": str(config.init) if config.init else None,
            "quick": config.quick,
        },
    )
    shutil.copy(history_path, out / "history.csv")
    print(f"wrote {out}")
    return out


def with_negatives(x, y, count: int, seed: int, digits: data.Digits):
    """Append `count` negatives labelled "not a digit" to (n, 28, 28, 1) inputs."""
    if count <= 0:
        return x, y
    extra = negatives.inputs(count, seed, digits.images)[..., None]
    labels = np.full(len(extra), NOT_A_DIGIT, dtype=y.dtype)
    return np.concatenate([x, extra]), np.concatenate([y, labels])


def with_number_crops(x, y, count: int, seed: int, digits: data.Digits):
    """Append `count` digits cropped as a number's reading crops them, with their labels."""
    if count <= 0:
        return x, y
    crops, labels = number_crops.inputs(count, seed, digits)
    return np.concatenate([x, crops[..., None]]), np.concatenate([y, labels.astype(y.dtype)])


def _dataset(config: TrainConfig, x, y, weights) -> tf.data.Dataset:
    # Augmentation runs in the input pipeline, so the saved model stays plain.
    return (
        tf.data.Dataset.from_tensor_slices((x, y, weights))
        .shuffle(len(x), seed=config.seed, reshuffle_each_iteration=True)
        .batch(config.batch_size)
        .map(lambda a, b, w: (augment(a), b, w), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )


def _compiled_model(config: TrainConfig, train_size: int) -> keras.Model:
    """AdamW with a warm-up then cosine decay; from scratch or from earlier weights."""
    model = (
        with_not_a_digit(keras.models.load_model(config.init, compile=False))
        if config.init
        else build_model(config.arch)
    )
    # Warm up for one epoch; a run of one or two epochs (fine-tuning) warms up for a tenth
    # of it, so that it still ends with the learning rate annealed.
    steps = int(np.ceil(train_size / config.batch_size))
    total = steps * config.epochs
    warmup = steps if config.epochs > 2 else max(1, total // 10)
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=config.learning_rate / 10,
        warmup_target=config.learning_rate,
        warmup_steps=warmup,
        decay_steps=max(1, total - warmup),
    )
    model.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=schedule, weight_decay=1e-4),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.summary()
    return model


def _callbacks(config: TrainConfig, work: Path, earlier: float, started: float, progress):
    """Checkpoint every epoch (an interrupted run resumes), stop early, log, report."""
    history_path, seconds_path = work / "history.csv", work / "seconds.txt"

    def epoch_end(epoch: int, logs: dict) -> None:
        spent = time.time() - started
        seconds_path.write_text(f"{earlier + spent}")
        if progress is not None:
            left = spent / (epoch + 1) * (config.epochs - epoch - 1)
            progress(Epoch(epoch + 1, config.epochs, float(logs.get("val_accuracy", 0)), left))

    return [
        keras.callbacks.BackupAndRestore(str(work / "backup")),
        keras.callbacks.ModelCheckpoint(
            work / "best.keras",
            monitor="val_accuracy",
            save_best_only=True,
            initial_value_threshold=best_so_far(history_path) if config.resume else None,
        ),
        keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=config.patience),
        keras.callbacks.CSVLogger(history_path, append=config.resume),
        keras.callbacks.LambdaCallback(on_epoch_end=epoch_end),
    ]


def add_real_drawings(extra: data.Digits, weight: float, x_train, y_train, weights):
    """Append labelled real drawings, weighted so a few hundred of them matter."""
    x_extra = from_uint8(extra.images).reshape(-1, 28, 28, 1)
    y_extra = np.asarray(extra.labels).astype(y_train.dtype)
    w_extra = np.full(len(x_extra), weight, dtype=np.float32)
    return (
        np.concatenate([x_train, x_extra]),
        np.concatenate([y_train, y_extra]),
        np.concatenate([weights, w_extra]),
    )


def _head(digits: data.Digits, count: int) -> data.Digits:
    return data.Digits(digits.images[:count], digits.labels[:count])


def read_history(path: Path) -> list[dict[str, float]]:
    """Return the per-epoch log rows written by CSVLogger."""
    if not path.exists():
        return []
    with path.open() as handle:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(handle)]


def best_so_far(path: Path) -> float | None:
    """Return the best validation accuracy logged before an interruption."""
    scores = [row["val_accuracy"] for row in read_history(path)]
    return max(scores) if scores else None
