"""Train a LeNet-5 baseline and the site's CNN on the same data and compare them.

python -m ml.compare --epochs 4 --output reports/compare   # writes compare.md and compare.json
python -m ml.compare --quick --output /tmp/compare         # smoke test (tests use it)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ml.cli import run
from ml.data import load_mnist
from ml.inference import Predictor
from ml.measure import median_ms
from ml.preprocessing import preprocess_images
from ml.training import TrainConfig, train

ARCHES = ("lenet5", "cnn")
COLUMNS = {
    "arch": "Architecture",
    "test_accuracy": "Test accuracy",
    "test_loss": "Test loss",
    "digits_flagged": 'Digits flagged "not sure"',
    "negatives_flagged": "Non-digits flagged",
    "params": "Parameters",
    "epochs": "Epochs",
    "training_seconds": "Training time (s)",
    "served_model_kb": "Model size (KB)",
    "served_ms_per_digit": "Served latency (ms/digit)",
}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--output", type=Path, default=Path("reports/compare"))
    parser.add_argument("--runs", type=int, default=300, help="timed predictions per model")
    parser.add_argument("--quick", action="store_true", help="a few hundred images, 1 epoch")
    return parser.parse_args(argv)


def compare_row(folder: Path, digits, runs: int) -> dict:
    """Return one table row: the artifact's metrics plus its served latency per digit."""
    metrics = json.loads((folder / "metrics.json").read_text())
    predictor = Predictor(folder)
    cycle = iter(range(10**9))
    predictor.probabilities(digits[:1])
    latency = median_ms(lambda: predictor.probabilities(digits[next(cycle) % 64][None]), runs)
    row = {key: metrics[key] for key in COLUMNS if key in metrics}
    row["served_model_kb"] = round(metrics["served_model_bytes"] / 1024, 1)
    row["served_ms_per_digit"] = round(latency, 3)
    row["version"] = metrics["version"]
    return row


def markdown(rows: list[dict]) -> str:
    """Render the rows as a Markdown table."""
    lines = ["| " + " | ".join(COLUMNS.values()) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        cells = [_cell(key, row.get(key)) for key in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(key: str, value) -> str:
    if value is None:
        return "–"
    if key in ("test_accuracy", "digits_flagged", "negatives_flagged"):
        return f"{value:.2%}"
    if key == "test_loss":
        return f"{value:.4f}"
    if key == "params":
        return f"{value:,}"
    return str(value)


def main(argv=None) -> list[dict]:
    args = parse_args(argv)
    rows = []
    digits = preprocess_images(load_mnist().test.images[:64])  # timed inputs, the same for both
    for arch in ARCHES:
        # Same seed, split, augmentation and schedule for both: only the network differs.
        config = TrainConfig(
            output=args.output / arch, arch=arch, epochs=args.epochs, quick=args.quick
        )
        folder = train(config)
        rows.append(compare_row(folder, digits, args.runs))
    table = markdown(rows)
    (args.output / "compare.md").write_text(table)
    (args.output / "compare.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(table)
    return rows


if __name__ == "__main__":
    run(main)
