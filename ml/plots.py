"""Training report pictures: curves, confusion matrix, misclassified digits."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on servers
import matplotlib.pyplot as plt
import numpy as np


def training_curves(history: list[dict[str, float]], path: Path) -> None:
    """Plot loss and accuracy per epoch for training and validation."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    epochs = [row["epoch"] + 1 for row in history]
    for ax, metric in zip(axes, ("loss", "accuracy")):
        for prefix, label in (("", "training"), ("val_", "validation")):
            ax.plot(epochs, [row.get(prefix + metric, np.nan) for row in history], label=label)
        ax.set_xlabel("epoch")
        ax.set_title(metric)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def confusion_matrix(confusion: np.ndarray, path: Path, title: str = "MNIST test set") -> None:
    """Draw a 10x10 confusion matrix with counts in each cell."""
    fig, ax = plt.subplots(figsize=(6, 5.5))
    ax.imshow(np.log1p(confusion), cmap="Blues")
    for (true, pred), count in np.ndenumerate(confusion):
        if count:
            colour = "white" if count > confusion.max() / 2 else "black"
            ax.text(pred, true, str(count), ha="center", va="center", fontsize=7, color=colour)
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def misclassified(digits, predicted: np.ndarray, path: Path, limit: int = 64) -> None:
    """Draw a grid of the wrongly predicted digits, titled true -> predicted."""
    wrong = np.flatnonzero(predicted != digits.labels)[:limit]
    columns = 8
    rows = max(1, int(np.ceil(len(wrong) / columns)))
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 1.2, rows * 1.4), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, index in zip(axes.flat, wrong):
        ax.imshow(digits.images[index], cmap="gray")
        ax.set_title(f"{digits.labels[index]}→{predicted[index]}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
