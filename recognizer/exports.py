"""Labelled drawings as files: NPZ that `ml.train --extra` reads, and CSV for anything else."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np
from django.db.models import QuerySet

from recognizer.models import INPUT_BYTES, Drawing

CSV_HEADER = ["id", "label", *(f"pixel{i}" for i in range(INPUT_BYTES))]
FORMATS = {"npz": "application/octet-stream", "csv": "text/csv"}


@dataclass(frozen=True)
class LabelledSet:
    """Drawings as training data: ids, 28x28 uint8 model inputs, labels."""

    ids: np.ndarray
    inputs: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, mask: np.ndarray) -> LabelledSet:
        return LabelledSet(self.ids[mask], self.inputs[mask], self.labels[mask])


def labelled_set(drawings: QuerySet[Drawing]) -> LabelledSet:
    """Return the labelled drawings of `drawings`, oldest first, exactly as the model saw them."""
    rows = list(drawings.labelled().order_by("id").values_list("id", "label", "model_input"))
    inputs = np.frombuffer(b"".join(bytes(row[2]) for row in rows), dtype=np.uint8)
    return LabelledSet(
        ids=np.array([row[0] for row in rows], dtype=np.int64),
        inputs=inputs.reshape(-1, 28, 28),
        labels=np.array([row[1] for row in rows], dtype=np.uint8),
    )


def to_npz(labelled: LabelledSet) -> bytes:
    """Write the keys `ml.train --extra` reads: inputs, labels (and ids, to trace back)."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, inputs=labelled.inputs, labels=labelled.labels, ids=labelled.ids)
    return buffer.getvalue()


def to_csv(labelled: LabelledSet) -> bytes:
    """Write `id,label,pixel0..pixel783`, one drawing per line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for drawing_id, label, pixels in zip(labelled.ids, labelled.labels, labelled.inputs):
        writer.writerow([int(drawing_id), int(label), *pixels.ravel().tolist()])
    return buffer.getvalue().encode()


def export(drawings: QuerySet[Drawing], fmt: str) -> tuple[bytes, int]:
    """Return the file contents in `fmt` ("npz" or "csv") and how many drawings it holds."""
    labelled = labelled_set(drawings)
    return (to_npz if fmt == "npz" else to_csv)(labelled), len(labelled)
