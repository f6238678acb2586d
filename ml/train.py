"""Train the digit CNN on MNIST and write a versioned, served artifact.

python -m ml.train --epochs 30 --output models          # full run
python -m ml.train --epochs 30 --output models --resume # after an interruption
python -m ml.train --quick --output /tmp/models          # smoke test (tests use it)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ml.cli import run
from ml.data import Digits
from ml.training import TrainConfig, train

DEFAULTS = TrainConfig()


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default=DEFAULTS.arch, choices=["cnn", "lenet5"])
    parser.add_argument("--epochs", type=int, default=DEFAULTS.epochs)
    parser.add_argument("--batch-size", type=int, default=DEFAULTS.batch_size)
    parser.add_argument("--learning-rate", type=float, default=DEFAULTS.learning_rate)
    parser.add_argument("--val-size", type=int, default=DEFAULTS.val_size)
    parser.add_argument("--patience", type=int, default=DEFAULTS.patience)
    parser.add_argument("--seed", type=int, default=DEFAULTS.seed)
    parser.add_argument("--output", type=Path, default=DEFAULTS.output)
    parser.add_argument("--data", help="MNIST .pkl.gz, .npz or labelled .csv (default: bundled)")
    parser.add_argument("--test-data", help="a labelled test .csv to go with a --data .csv")
    parser.add_argument("--extra", type=Path, help="NPZ of labelled real drawings to add")
    parser.add_argument("--extra-weight", type=float, default=DEFAULTS.extra_weight)
    parser.add_argument(
        "--negatives",
        type=int,
        default=DEFAULTS.negatives,
        help='generated non-digits to learn "not a digit" from (validation gets a sixth)',
    )
    parser.add_argument(
        "--number-crops",
        type=int,
        default=DEFAULTS.number_crops,
        help="digits cropped as reading a number crops them: small, cut from a neighbour",
    )
    parser.add_argument("--init", type=Path, help="start from this .keras model's weights")
    parser.add_argument("--resume", action="store_true", help="continue an interrupted run")
    parser.add_argument("--quick", action="store_true", help="a few hundred images, 1 epoch")
    parser.add_argument(
        "--report-only", action="store_true", help="write the artifact from the best checkpoint"
    )
    return parser.parse_args(argv)


def main(argv=None) -> Path:
    args = vars(parse_args(argv))
    extra_path = args.pop("extra")
    extra = None
    if extra_path:
        with np.load(extra_path) as npz:  # the file manage.py export_labelled writes
            extra = Digits(npz["inputs"], npz["labels"])
    return train(TrainConfig(**args), extra=extra)


if __name__ == "__main__":
    run(main)
