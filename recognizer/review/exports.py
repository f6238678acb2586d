"""Labelled drawings as files: NPZ that `ml.train --extra` reads, and CSV for anything else.

Both carry each label's quality score (NaN or empty where none) and the CSV its reason.
"""

import csv
import io

import numpy as np
from django.db.models import QuerySet

from ml.data import Digits
from recognizer.drawings.selectors import drawings_labelled
from recognizer.models import INPUT_BYTES, Drawing

CSV_HEADER = [
    "id",
    "label",
    "label_score",
    "label_score_reason",
    *(f"pixel{i}" for i in range(INPUT_BYTES)),
]
FORMATS = {"npz": "application/octet-stream", "csv": "text/csv"}


def to_npz(labelled: Digits, scores: dict) -> bytes:
    """Write the keys `ml.train --extra` reads: inputs, labels (and ids, label_scores)."""
    buffer = io.BytesIO()
    label_scores = [_or_nan(scores[int(i)][0]) for i in labelled.ids]
    np.savez_compressed(
        buffer,
        inputs=labelled.images,
        labels=labelled.labels,
        ids=labelled.ids,
        label_scores=np.array(label_scores, dtype=np.float64),
    )
    return buffer.getvalue()


def _or_nan(value: float | None) -> float:
    return float("nan") if value is None else value


def to_csv(labelled: Digits, scores: dict) -> bytes:
    """Write `id,label,label_score,label_score_reason,pixel0..pixel783`, one drawing a line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for drawing_id, label, pixels in zip(labelled.ids, labelled.labels, labelled.images):
        score, reason = scores[int(drawing_id)]
        row = [int(drawing_id), int(label), "" if score is None else score, reason]
        writer.writerow([*row, *pixels.ravel().tolist()])
    return buffer.getvalue().encode()


def export(drawings: QuerySet[Drawing], fmt: str) -> tuple[bytes, int]:
    """Return the file contents in `fmt` ("npz" or "csv") and how many drawings it holds."""
    labelled = drawings_labelled(drawings)
    rows = drawings.labelled().values_list("id", "label_score", "label_score_reason")
    scores = {pk: (score, reason) for pk, score, reason in rows}
    return (to_npz if fmt == "npz" else to_csv)(labelled, scores), len(labelled)
