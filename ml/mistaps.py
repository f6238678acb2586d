"""Seed mis-taps into the validation split and measure what the label-quality score finds.

python -m ml.mistaps                 # the serving model, 5000 validation digits as canvas PNGs
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ml import data
from ml.cli import progress, run
from ml.config import model_path
from ml.inference import Predictor, resolve_model_dir
from ml.label_quality import LIKELY_WRONG, THRESHOLDS, mistap, seeded_queues, wrong_scores
from ml.measure import canvas_outputs
from ml.uncertainty import judge


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=model_path())
    parser.add_argument("--val-size", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1234, help="the training run's seed")
    parser.add_argument("--limit", type=int, help="only the first N validation digits")
    args = parser.parse_args(argv)

    validation = data.split_validation(data.load_mnist().train, args.val_size, args.seed)[1]
    if args.limit:
        validation = validation.subset(np.arange(len(validation)) < args.limit)
    predictor = Predictor(resolve_model_dir(args.model))
    outputs, accepted = canvas_outputs(predictor, validation, progress=progress)
    judged = judge(outputs, predictor.calibration)
    probabilities = np.array([j.probabilities for j in judged])
    not_digit = np.array([j.not_digit_probability for j in judged])
    labels = validation.labels[accepted]
    wrong_labels = mistap(labels, np.random.default_rng(args.seed))
    right = wrong_scores(probabilities, not_digit, labels)
    wrong = wrong_scores(probabilities, not_digit, wrong_labels)
    print(f"model {predictor.version}; {len(labels)} validation digits as canvas PNGs,")
    print("each scored with its true label and with a neighbouring key's digit (a mis-tap)")
    print(f"{'likely wrong from':>18} {'mis-taps caught':>16} {'right labels held':>18}")
    for threshold in THRESHOLDS:
        mark = "  <- LIKELY_WRONG" if threshold == LIKELY_WRONG else ""
        caught, held = (wrong >= threshold).mean(), (right >= threshold).mean()
        print(f"{threshold:>18.2f} {caught:>16.2%} {held:>18.2%}{mark}")
    queues = seeded_queues(right, wrong)
    print("sets of 200 labels with 20 mis-taps (100 draws): mis-taps in the queue's first")
    print("  " + "   ".join(f"{depth}: {found:.1f}" for depth, found in queues.items()))


if __name__ == "__main__":
    run(main)
