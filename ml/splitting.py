"""Part a group of ink that may hold several digits: the cut the model reads best wins."""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from ml.ink_parts import EIGHT, Part, Scorer, part_key, stacked

TALL = 0.4  # of the number's height: each half of a cut is at least this tall
FAINT = 0.2  # of the median group's ink: less is a dot or a stray line, not a digit
SPLIT_WIDTH = 0.7  # of the number's height: a group this wide may hold two digits
MIN_PIECE = 0.08  # of the number's height: no cut closer to a group's edge than this
CUT_BAND = 2  # columns either side of a cut that may only join a piece to one side
MAX_ERODE = 6  # pixels of thinning, at most, to find where touching digits meet
MAX_CORES = 4  # the largest cores thinning leaves, parted between each pair of neighbours
CORE = 0.1  # of the largest core: smaller cores are bits of stroke, not digits
CUTS = 8  # the thinnest columns tried per group as found ...
CUTS_WITHIN = 2  # ... and within its halves, where fewer digits remain to part
SLANTS = (-0.4, 0.4)  # column shift per row of the slanted cuts: digits that lean together
MIN_STROKES = 2.0  # stroke widths: a narrower group is one thick stroke, never cut
DOUBTFUL = 0.5  # a group read less surely than this as one digit is cut whatever its width
DEPTH = 3  # cuts within cuts: up to 2**DEPTH digits in one connected group
SPLIT_PRIOR = 0.8  # a cut must read 1/0.8 times as well as the group whole ...
CONTACT_PENALTY = 1.0  # ... and by exp(this) more per stroke width of ink it cuts beyond one


class Splitter:
    """Choose, for one group, the cut (or none) whose digits read most confidently."""

    def __init__(self, score: Scorer, height: int, area: float) -> None:
        self.score, self.height, self.area = score, height, area
        self.known: dict[tuple, float] = {}

    def best(self, part: Part, depth: int = DEPTH) -> tuple[float, list[Part]]:
        self._score([part])
        cuts = self._cuts(part, whole=depth == DEPTH) if depth else []
        self._score([half for cut in cuts for half in cut])
        options = [(self.known[part_key(part)], [part])]
        for left, right in cuts:
            left_score, left_parts = self.best(left, depth - 1)
            right_score, right_parts = self.best(right, depth - 1)
            # Digits that touch meet along about one stroke's width; a cut through one
            # digit crosses more ink than that.
            crossed = max(0.0, _contact(left, right) / part.stroke_width - 1)
            prior = SPLIT_PRIOR * math.exp(-CONTACT_PENALTY * crossed)
            options.append((prior * left_score * right_score, left_parts + right_parts))
        return max(options, key=lambda option: option[0])

    def _score(self, parts: list[Part]) -> None:
        """Score each part by how confidently the model reads it as one digit."""
        todo = [part for part in parts if part_key(part) not in self.known]
        if todo:
            for part, value in zip(todo, self.score([p.digit().ink for p in todo]), strict=True):
                self.known[part_key(part)] = float(value)

    def _cuts(self, part: Part, whole: bool) -> list[tuple[Part, Part]]:
        cuts = self._by_pieces(part)
        # A group the model does not read as one digit is cut whatever its width, and
        # along slanted lines too: digits that lean together or overlap. Not its halves:
        # a piece of a digit is doubtful too, and cutting it again would split the digit.
        doubtful = whole and self.known[part_key(part)] < DOUBTFUL
        if part.drawing.cuttable and part.width >= MIN_STROKES * part.stroke_width:
            if doubtful or part.width >= SPLIT_WIDTH * self.height:
                cuts += self._by_columns(part, whole) + _by_necks(part)
            if doubtful:
                cuts += self._by_slants(part)
        return [
            (a, b)
            for a, b in cuts
            if self._digit_sized(a) and self._digit_sized(b) and not stacked(a, b)
        ]

    def _digit_sized(self, part: Part) -> bool:
        return part.height >= TALL * self.height and part.area >= FAINT * self.area

    def _by_pieces(self, part: Part) -> list[tuple[Part, Part]]:
        """Split a group of pieces between two of them, ordered by their centres."""
        if len(part.labels) < 2:
            return []
        pieces = [Part(frozenset([label]), part.x0, part.x1, part.drawing) for label in part.labels]
        pieces.sort(key=lambda piece: (piece.box[0] + piece.box[2]) / 2)
        labels = [next(iter(piece.labels)) for piece in pieces]
        return [
            (
                Part(frozenset(labels[:i]), part.x0, part.x1, part.drawing),
                Part(frozenset(labels[i:]), part.x0, part.x1, part.drawing),
            )
            for i in range(1, len(labels))
        ]

    def _by_columns(self, part: Part, whole: bool) -> list[tuple[Part, Part]]:
        """Cut one group at its thinnest columns."""
        columns = np.broadcast_to(np.arange(part.mask.shape[1]), part.mask.shape)
        found = self._thinnest(part.mask, columns, CUTS if whole else CUTS_WITHIN)
        return [_cut(part, columns, x) for x in found]

    def _by_slants(self, part: Part) -> list[tuple[Part, Part]]:
        """Cut one group along slanted lines, at their thinnest: digits leaning together."""
        mask = part.mask
        rows = np.arange(mask.shape[0])[:, None] - mask.shape[0] / 2
        cuts = []
        for slant in SLANTS:
            columns = np.round(np.arange(mask.shape[1]) + slant * rows).astype(int)
            columns -= columns.min()
            cuts += [_cut(part, columns, x) for x in self._thinnest(mask, columns, CUTS)]
        return cuts

    def _thinnest(self, mask: np.ndarray, columns: np.ndarray, most: int) -> list[int]:
        """Return the columns (of `columns`) with least ink: local minima, well apart."""
        profile = np.bincount(columns[mask], minlength=int(columns.max()) + 1).astype(float)
        inked = np.flatnonzero(profile)
        profile = profile[inked[0] : inked[-1] + 1]
        smooth = np.convolve(profile, np.ones(3) / 3, mode="same")
        margin = max(1, round(MIN_PIECE * self.height))
        inner = range(margin, len(smooth) - margin)
        minima = [x for x in inner if smooth[x] <= smooth[x - 1] and smooth[x] <= smooth[x + 1]]
        chosen: list[int] = []
        for x in sorted(minima, key=lambda x: smooth[x]):
            if len(chosen) < most and all(abs(x - c) > margin for c in chosen):
                chosen.append(x)
        return [inked[0] + x for x in sorted(chosen)]


def _contact(a: Part, b: Part) -> int:
    """Return how many pixel edges join two parts of the same columns."""
    x, y = a.mask, b.mask
    return int(
        (x[:, :-1] & y[:, 1:]).sum()
        + (x[:, 1:] & y[:, :-1]).sum()
        + (x[:-1] & y[1:]).sum()
        + (x[1:] & y[:-1]).sum()
    )


def _by_necks(part: Part) -> list[tuple[Part, Part]]:
    """Part a group where thinning it first breaks it: digits that touch at a point.

    The group is eroded a pixel at a time until it falls apart into cores; every pixel
    then goes to its nearest core, and the cores are parted left from right.
    """
    mask = part.mask
    core = mask
    for _ in range(MAX_ERODE):
        core = ndimage.binary_erosion(core, structure=EIGHT)
        cores, count = ndimage.label(core, structure=EIGHT)
        if not count:
            return []
        if count > 1:
            break
    else:
        return []
    # Per core, its size and its centre's column; bincount is scipy's sum_labels, fast.
    labelled = cores.ravel()
    sizes = np.bincount(labelled, minlength=count + 1)[1:]
    column = np.broadcast_to(np.arange(cores.shape[1]), cores.shape).ravel()
    centres = np.bincount(labelled, weights=column, minlength=count + 1)[1:] / np.maximum(sizes, 1)
    kept = [i + 1 for i in np.argsort(-sizes)[:MAX_CORES] if sizes[i] >= CORE * sizes.max()]
    if len(kept) < 2:
        return []
    _, (rows, cols) = ndimage.distance_transform_edt(~np.isin(cores, kept), return_indices=True)
    nearest = cores[rows, cols] * mask
    order = sorted(kept, key=lambda label: centres[label - 1])
    return [
        (
            Part(part.labels, part.x0, part.x1, part.drawing, np.isin(nearest, order[:i])),
            Part(part.labels, part.x0, part.x1, part.drawing, np.isin(nearest, order[i:])),
        )
        for i in range(1, len(order))
    ]


def _cut(part: Part, columns: np.ndarray, x: int) -> tuple[Part, Part]:
    """Cut a group at column `x` of `columns`: ink that meets the other side only there
    goes whole to its own side.

    Clearing the columns around the cut parts digits that touch at a point; what still
    reaches across (strokes that overlap) is cut along the line.
    """
    mask = part.mask
    rest = mask & (np.abs(columns - x) >= CUT_BAND)
    pieces, count = ndimage.label(rest, structure=EIGHT)
    left = columns < x
    if count:
        # Each piece's first and last column, over its own pixels only: scipy's per-label
        # minimum sorts the whole array, which costs seconds on a wide group.
        inked, at = pieces[rest], columns[rest]
        first = np.full(count + 1, np.iinfo(at.dtype).max)
        last = np.full(count + 1, np.iinfo(at.dtype).min)
        np.minimum.at(first, inked, at)
        np.maximum.at(last, inked, at)
        ids = np.arange(1, count + 1)
        whole_left, whole_right = ids[last[1:] < x + CUT_BAND], ids[first[1:] >= x - CUT_BAND]
        left = (left & ~np.isin(pieces, whole_right)) | np.isin(pieces, whole_left)
    return (
        Part(part.labels, part.x0, part.x1, part.drawing, mask & left),
        Part(part.labels, part.x0, part.x1, part.drawing, mask & ~left),
    )
