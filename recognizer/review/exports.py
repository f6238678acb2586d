"""Labelled drawings as files: NPZ that `ml.train --extra` reads, and CSV for anything else."""

import csv
import io

import numpy as np
from django.db.models import QuerySet

from ml.data import Digits
from recognizer.drawings.selectors import drawings_labelled
from recognizer.models import INPUT_BYTES, Drawing

CSV_HEADER = ["id", "label", *(f"pixel{i}" for i in range(INPUT_BYTES))]
FORMATS = {"npz": "application/octet-stream", "csv": "text/csv"}


def to_npz(labelled: Digits) -> bytes:
    """Write the keys `ml.train --extra` reads: inputs, labels (and ids, to trace back)."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, inputs=labelled.images, labels=labelled.labels, ids=labelled.ids)
    return buffer.getvalue()


def to_csv(labelled: Digits) -> bytes:
    """Write `id,label,pixel0..pixel783`, one drawing per line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for drawing_id, label, pixels in zip(labelled.ids, labelled.labels, labelled.images):
        writer.writerow([int(drawing_id), int(label), *pixels.ravel().tolist()])
    return buffer.getvalue().encode()


def export(drawings: QuerySet[Drawing], fmt: str) -> tuple[bytes, int]:
    """Return the file contents in `fmt` ("npz" or "csv") and how many drawings it holds."""
    labelled = drawings_labelled(drawings)
    return (to_npz if fmt == "npz" else to_csv)(labelled), len(labelled)
