"""Train the digit CNN on MNIST and write a versioned, served artifact.

python -m ml.train --epochs 30 --output models          # full run
python -m ml.train --epochs 30 --output models --resume # after an interruption
python -m ml.train --quick --output /tmp/models          # smoke test (tests use it)
"""

from __future__ import annotations

import argparse
import csv
import shutil
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from ml import artifact, data
from ml.augment import augment
from ml.model import build_model
from ml.preprocessing import from_uint8, preprocess_images

WORK_DIR = "_training"  # checkpoints of the run in progress, inside --output


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="cnn", choices=["cnn", "lenet5"])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--val-size", type=int, default=5000)
    parser.add_argument("--patience", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--output", type=Path, default=Path("models"))
    parser.add_argument("--data", help="MNIST .pkl.gz, .npz or labelled .csv (default: bundled)")
    parser.add_argument("--test-data", help="a labelled test .csv to go with a --data .csv")
    parser.add_argument("--extra", type=Path, help="NPZ of labelled real drawings to add")
    parser.add_argument("--extra-weight", type=float, default=10.0)
    parser.add_argument("--init", type=Path, help="start from this .keras model's weights")
    parser.add_argument("--resume", action="store_true", help="continue an interrupted run")
    parser.add_argument("--quick", action="store_true", help="a few hundred images, 1 epoch")
    parser.add_argument(
        "--report-only", action="store_true", help="write the artifact from the best checkpoint"
    )
    return parser.parse_args(argv)


def normalized(images: np.ndarray) -> np.ndarray:
    """Run every digit through the same preprocessing the site uses, as (n, 28, 28, 1)."""
    return preprocess_images(images)[..., None]


def main(argv=None) -> Path:
    args = parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    work = args.output / WORK_DIR
    if not (args.resume or args.report_only):
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)

    # Data: a validation split from the training pool; the test set waits until the end.
    mnist = data.load_mnist(args.data, args.test_data)
    pool, test = mnist.train, mnist.test
    if args.quick:
        args.epochs, args.val_size = 1, 200
        pool, test = _head(pool, 800), _head(test, 300)
    train, val = data.split_validation(pool, args.val_size, args.seed)
    x_train, y_train = normalized(train.images), train.labels
    x_val, y_val = normalized(val.images), val.labels
    weights = np.ones(len(x_train), dtype=np.float32)
    if args.extra:
        x_train, y_train, weights = add_real_drawings(args, x_train, y_train, weights)
    print(f"train {len(x_train)}, validation {len(x_val)}, test {len(mnist.test)}")

    # Augmentation runs in the input pipeline, so the saved model stays plain.
    train_ds = (
        tf.data.Dataset.from_tensor_slices((x_train, y_train, weights))
        .shuffle(len(x_train), seed=args.seed, reshuffle_each_iteration=True)
        .batch(args.batch_size)
        .map(lambda x, y, w: (augment(x), y, w), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )

    # Model: AdamW with a warm-up then cosine decay of the learning rate.
    # From scratch, or fine-tuning an earlier model's weights (faster retraining).
    model = (
        keras.models.load_model(args.init, compile=False) if args.init else build_model(args.arch)
    )
    # Warm up for one epoch; a run of one or two epochs (fine-tuning) warms up for a tenth
    # of it, so that it still ends with the learning rate annealed.
    steps = int(np.ceil(len(x_train) / args.batch_size))
    total = steps * args.epochs
    warmup = steps if args.epochs > 2 else max(1, total // 10)
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=args.learning_rate / 10,
        warmup_target=args.learning_rate,
        warmup_steps=warmup,
        decay_steps=max(1, total - warmup),
    )
    model.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=schedule, weight_decay=1e-4),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.summary()

    # Checkpoint every epoch so an interrupted run resumes where it stopped.
    best_path = work / "best.keras"
    history_path = work / "history.csv"
    callbacks = [
        keras.callbacks.BackupAndRestore(str(work / "backup")),
        keras.callbacks.ModelCheckpoint(
            best_path,
            monitor="val_accuracy",
            save_best_only=True,
            initial_value_threshold=best_so_far(history_path) if args.resume else None,
        ),
        keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=args.patience),
        keras.callbacks.CSVLogger(history_path, append=args.resume),
        keras.callbacks.LambdaCallback(
            on_epoch_end=lambda *_: seconds_path.write_text(f"{earlier + time.time() - started}")
        ),
    ]
    seconds_path = work / "seconds.txt"
    earlier = float(seconds_path.read_text()) if seconds_path.exists() else 0.0
    started = time.time()
    if not args.report_only:
        model.fit(
            train_ds,
            epochs=args.epochs,
            validation_data=(x_val, y_val),
            callbacks=callbacks,
            verbose=2 if args.quick else "auto",
        )
    training_seconds = earlier + time.time() - started

    # Report: the best checkpoint, measured once on the official test set.
    best = keras.models.load_model(best_path)
    out = artifact.write(
        best,
        output=args.output,
        arch=args.arch,
        test=(normalized(test.images), test.labels),
        raw_test=test,
        history=read_history(history_path),
        info={
            "epochs": len(read_history(history_path)),
            "batch_size": args.batch_size,
            "training_seconds": round(training_seconds, 1),
            "train_size": len(x_train),
            "val_size": len(x_val),
            "data": mnist.source,
            "data_hash": mnist.fingerprint(),
            "extra_drawings": int((weights > 1).sum()),
            "seed": args.seed,
            "initialized_from": str(args.init) if args.init else None,
            "quick": args.quick,
        },
    )
    shutil.copy(history_path, out / "history.csv")
    print(f"wrote {out}")
    return out


def add_real_drawings(args, x_train, y_train, weights):
    """Append labelled real drawings, weighted so a few hundred of them matter."""
    with np.load(args.extra) as extra:
        x_extra = from_uint8(extra["inputs"]).reshape(-1, 28, 28, 1)
        y_extra = extra["labels"].astype(y_train.dtype)
    w_extra = np.full(len(x_extra), args.extra_weight, dtype=np.float32)
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


if __name__ == "__main__":
    main()
