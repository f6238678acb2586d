"""Measure a served model on MNIST and on canvas-style drawings made from MNIST digits.

python -m ml.evaluate                      # the official test set, from the shipped model
python -m ml.evaluate --split validation   # the validation split (use this for tuning)
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml import data
from ml.inference import Predictor, resolve_model_dir
from ml.preprocessing import PreprocessingError, preprocess_images
from ml.synth import render_canvas

DEFAULT_MODEL_PATH = Path(os.environ.get("MODEL_PATH", "models"))
CANVAS_SEED = 2024


@dataclass(frozen=True)
class CanvasResult:
    accuracy: float
    count: int
    rejected: int
    by_encoding: dict[str, float]


def served_probabilities(predictor: Predictor, inputs: np.ndarray, batch: int = 500):
    """Return the served model's probabilities for many inputs, in batches."""
    return np.concatenate(
        [predictor.probabilities(inputs[i : i + batch]) for i in range(0, len(inputs), batch)]
    )


def canvas_accuracy(predictor: Predictor, digits: data.Digits, seed: int = CANVAS_SEED):
    """Render each digit as a canvas PNG and predict it through the site's own path."""
    rng = np.random.default_rng(seed)
    hits: dict[str, list[bool]] = {}
    rejected = 0
    for index, (image, label) in enumerate(zip(digits.images, digits.labels)):
        encoding = ("transparent", "dark_on_light", "light_on_dark", "coloured")[index % 4]
        png = render_canvas(image, rng, encoding)
        try:
            correct = predictor.predict(png).digit == int(label)
        except PreprocessingError:
            correct, rejected = False, rejected + 1
        hits.setdefault(encoding, []).append(correct)
    every = [hit for group in hits.values() for hit in group]
    return CanvasResult(
        accuracy=float(np.mean(every)),
        count=len(every),
        rejected=rejected,
        by_encoding={name: float(np.mean(group)) for name, group in hits.items()},
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--split", choices=["test", "validation"], default="test")
    parser.add_argument("--val-size", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1234, help="the training run's seed")
    parser.add_argument("--limit", type=int, help="only the first N digits")
    parser.add_argument("--data", help="MNIST .pkl.gz, .npz or labelled .csv (default: bundled)")
    parser.add_argument("--test-data", help="a labelled test .csv to go with a --data .csv")
    args = parser.parse_args(argv)

    mnist = data.load_mnist(args.data, args.test_data)
    digits = mnist.test
    if args.split == "validation":
        digits = data.split_validation(mnist.train, args.val_size, args.seed)[1]
    if args.limit:
        digits = data.Digits(digits.images[: args.limit], digits.labels[: args.limit])
    predictor = Predictor(resolve_model_dir(args.model))
    probs = served_probabilities(predictor, preprocess_images(digits.images))
    accuracy = float((probs.argmax(axis=1) == digits.labels).mean())
    print(f"model {predictor.version} on the MNIST {args.split} set")
    print(f"MNIST {args.split} accuracy:        {accuracy:.4%} ({len(digits)} digits)")
    canvas = canvas_accuracy(predictor, digits)
    print(f"canvas-style {args.split} accuracy: {canvas.accuracy:.4%} ({canvas.count} PNGs)")
    for name, value in canvas.by_encoding.items():
        print(f"  {name:<14} {value:.4%}")
    if canvas.rejected:
        print(f"  rejected as empty/invalid: {canvas.rejected}")


if __name__ == "__main__":
    main()
