"""Measure a served model on MNIST and on canvas-style drawings made from MNIST digits.

python -m ml.evaluate                      # the official test set, from the shipped model
python -m ml.evaluate --split validation   # the validation split (use this for tuning)
python -m ml.evaluate --numbers 2000       # whole numbers drawn from the test set's digits
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ml import data, number_eval
from ml.cli import progress, run
from ml.config import model_path
from ml.inference import Predictor, resolve_model_dir
from ml.measure import (
    accuracy_of,
    canvas_accuracy,
    canvas_outputs,
    served_probabilities,
    uncertainty_report,
)
from ml.preprocessing import preprocess_images

DEFAULT_MODEL_PATH = model_path()
NUMBER_SEEDS = {"test": 4242, "validation": 4243}  # the generated numbers' own seeds


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--split", choices=["test", "validation"], default="test")
    parser.add_argument("--val-size", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1234, help="the training run's seed")
    parser.add_argument("--limit", type=int, help="only the first N digits")
    parser.add_argument("--data", help="MNIST .pkl.gz, .npz or labelled .csv (default: bundled)")
    parser.add_argument("--test-data", help="a labelled test .csv to go with a --data .csv")
    parser.add_argument(
        "--numbers", type=int, metavar="N", help="instead, read N numbers of 2-6 of the digits"
    )
    args = parser.parse_args(argv)

    mnist = data.load_mnist(args.data, args.test_data)
    digits = mnist.test
    if args.split == "validation":
        digits = data.split_validation(mnist.train, args.val_size, args.seed)[1]
    if args.limit:
        digits = data.Digits(digits.images[: args.limit], digits.labels[: args.limit])
    predictor = Predictor(resolve_model_dir(args.model))
    if args.numbers:
        report_numbers(predictor, digits, args.numbers, args.split)
        return
    probs = served_probabilities(predictor, preprocess_images(digits.images))
    accuracy = accuracy_of(probs, digits.labels)
    source = Path(args.data).name if args.data else "MNIST"
    print(f"model {predictor.version} on the {source} {args.split} set")
    print(f"{source} {args.split} accuracy:        {accuracy:.4%} ({len(digits)} digits)")
    outputs = canvas_outputs(predictor, digits, progress=progress)
    canvas = canvas_accuracy(digits, outputs)
    print(f"canvas-style {args.split} accuracy: {canvas.accuracy:.4%} ({canvas.count} PNGs)")
    for name, value in canvas.by_encoding.items():
        print(f"  {name:<14} {value:.4%}")
    if canvas.rejected:
        print(f"  rejected as empty/invalid: {canvas.rejected}")
    report_uncertainty(predictor, digits, outputs, args.split)


def report_numbers(predictor: Predictor, digits: data.Digits, count: int, split: str) -> None:
    """Print how well whole numbers drawn from `digits` are read, and what went wrong."""
    seed = NUMBER_SEEDS[split]
    report, single = number_eval.report(predictor, digits, count, seed, progress=progress)
    print(f"model {predictor.version} on {report.numbers} numbers drawn from the MNIST {split} set")
    print(f"whole numbers read right: {report.whole_accuracy:.2%} (seed {seed})")
    for length, (right, total) in sorted(report.by_length.items()):
        print(f"  {length} digits               {right / total:.2%} ({right} of {total})")
    right, total = report.touching
    if total:
        print(f"  with touching digits   {right / total:.2%} ({right} of {total})")
    print(f"per-digit accuracy:       {report.digit_accuracy:.2%} ({report.digits} digits)")
    print(f"the same digits alone:    {single:.2%} (one canvas PNG each)")
    kinds = ", ".join(f"{kind} {report.errors[kind]}" for kind in number_eval.KINDS)
    print(f"numbers read wrong: {report.numbers - report.whole_right} ({kinds})")


def report_uncertainty(predictor: Predictor, digits: data.Digits, canvas, split: str) -> None:
    """Print how often the site says "not sure", on real digits and on non-digits."""
    calibration = predictor.calibration
    report = uncertainty_report(predictor, calibration, digits, canvas, progress=progress)
    print('"not sure" (thresholds from the model\'s metrics, chosen on validation data):')
    rows = [
        (f"{split} digits flagged", f"{report['digits_flagged']:.2%} (canvas PNGs)"),
        ("accuracy on unflagged digits", f"{report['unflagged_accuracy']:.4%}"),
        (
            "held-out negatives flagged",
            f"{report['negatives_flagged']:.2%} ({report['negatives_count']} PNGs, "
            "own seed, typed letters training never saw)",
        ),
        *(
            (f"  {kind}", f"{share:.2%}")
            for kind, share in report["negatives_flagged_by_kind"].items()
        ),
        (
            "calibration error (ECE)",
            f"{report['ece_uncalibrated']:.4f} raw, {report['ece']:.4f} after temperature "
            f"scaling (T = {calibration.temperature:.2f})",
        ),
    ]
    for name, value in rows:
        print(f"  {name + ':':<31}{value}")


if __name__ == "__main__":
    run(main)
