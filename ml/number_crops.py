"""Digits as reading a number crops them, to train on: drawn small, some cut from a neighbour.

MNIST teaches the model digits drawn alone and large. In a number a digit is often drawn
smaller, and one that touches its neighbour reaches the model cut from it along a column:
with a sliver of the neighbour's ink, or short of a sliver of its own. These crops,
labelled with the digit they were cut for, teach the model what the splitter hands it;
the touching pair read whole stays "not a digit" (ml.negatives).
"""

from __future__ import annotations

import numpy as np

from ml import data, number_synth, synth
from ml.preprocessing import PreprocessingError, preprocess

TOUCH_SHARE = 0.5  # of the pairs drawn touching; the rest stand apart
MAX_SCRAP = 0.15  # of the digit's own ink: the most a cut may add from the neighbour or drop
TRIES = 10  # cut columns tried before the digit is kept clean of its neighbour
INK = 0.1  # a column with ink above this holds some of the digit


def inputs(count: int, seed: int, digits: data.Digits) -> tuple[np.ndarray, np.ndarray]:
    """Return `count` crops as (n, 28, 28) model inputs, through the site's preprocessing,
    and the digit each was cut for."""
    rng = np.random.default_rng(seed)
    pixels, labels = [], []
    for index in range(count):
        picked = rng.choice(len(digits), size=2, replace=False)
        pair = [digits.images[i] for i in picked]
        placed = number_synth.layout(pair, rng, touch_share=TOUCH_SHARE)
        side = index % 2
        encoding = synth.ENCODINGS[(index // 2) % len(synth.ENCODINGS)]
        try:
            pixels.append(preprocess(synth.encode(cut(placed, side, rng), encoding, rng)).pixels)
        except PreprocessingError:
            continue  # the site would refuse it: it never reaches the model
        labels.append(digits.labels[picked[side]])
    if not pixels:
        return np.zeros((0, 28, 28), dtype=np.float32), np.zeros(0, dtype=digits.labels.dtype)
    return np.stack(pixels), np.asarray(labels, dtype=digits.labels.dtype)


def cut(placed: number_synth.Layout, side: int, rng: np.random.Generator) -> np.ndarray:
    """Return the ink on digit `side`'s side (0 left, 1 right) of a column between the two."""
    own, other = placed.canvas([side]), placed.canvas([1 - side])
    own_columns = np.flatnonzero((own > INK).any(axis=0))
    other_columns = np.flatnonzero((other > INK).any(axis=0))
    # Between the neighbour's nearest column and the digit's farthest: where the two
    # overlap if they touch, the gap between them if they do not.
    if side == 0:
        low, high = sorted((int(other_columns[0]), int(own_columns[-1]) + 1))
    else:
        low, high = sorted((int(own_columns[0]), int(other_columns[-1]) + 1))
    total = float(own.sum())
    for _ in range(TRIES):
        x = int(rng.integers(low, high + 1))
        kept = slice(None, x) if side == 0 else slice(x, None)
        scrap, lost = float(other[:, kept].sum()), total - float(own[:, kept].sum())
        if max(scrap, lost) <= MAX_SCRAP * total:
            return np.maximum(own, other)[:, kept]
    return own
