"""Find the digits of a drawn number: an ink map in, each digit's own ink out, left to right.

Connected pieces of ink (or the strokes, when the canvas sent them) that overlap
horizontally are one digit: a 5's bar, a 7's crossbar, a 4 in two strokes, a broken
stroke. A group wide enough to hold two digits (touching digits) is tried whole, cut in
two at its thinnest columns and parted where thinning it breaks it, again in each half;
the reading whose digits the model is most confident of, all together, wins, a cut
through more than one stroke's width of ink counting against it. A stroke is never cut.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

from ml.ink_parts import EIGHT, MERGE_OVERLAP, Digit, Drawing, Part, Scorer
from ml.preprocessing import BBOX_THRESHOLD, EmptyDrawingError, PreprocessingError
from ml.splitting import FAINT, TALL, Splitter

NEAR = 0.25  # of the number's height: a short group this close belongs to its neighbour
SPECK = 0.15  # of the number's height: a group smaller than this is a speck, not a digit
MAX_PIECES = 400  # separate bits of ink beyond which a drawing is a scrawl, not a number
BLOB_FILL = 0.75  # ink covering this much of a roundish group's box: a blob, not a digit
BLOB_ASPECT = 1.6

ERROR_TOO_MANY_DIGITS = (
    "The drawing holds {count} digits or more; a number may have at most {limit}. "
    "Draw a shorter number."
)
ERROR_BLOB = (
    "The drawing is a solid blob of ink, not digits: draw the number with a pen-sized line."
)

ERROR_EMPTY = "The drawing is empty: draw a number first."


class TooManyDigitsError(PreprocessingError):
    code = "too_many_digits"


class BlobError(PreprocessingError):
    code = "not_digits"


def segment(
    ink: np.ndarray,
    score: Scorer,
    *,
    max_digits: int,
    strokes: Sequence[Sequence[tuple[float, float]]] | None = None,
) -> list[Digit]:
    """Return the digits in `ink`, left to right; `strokes` in ink-map pixels, if known."""
    drawing = _label(ink, strokes)
    groups = _merged(_parts(drawing))
    height = max(part.height for part in groups)
    area = float(np.median([part.area for part in groups]))
    groups = _attached(groups, height, area)
    _check(groups, height, max_digits)
    splitter = Splitter(score, height, area)
    digits = [piece for part in groups for piece in splitter.best(part)[1]]
    if len(digits) > max_digits:
        raise TooManyDigitsError(ERROR_TOO_MANY_DIGITS.format(count=len(digits), limit=max_digits))
    return [piece.digit() for piece in digits]


def _label(ink: np.ndarray, strokes) -> Drawing:
    mask = ink > BBOX_THRESHOLD
    if not mask.any():
        raise EmptyDrawingError(ERROR_EMPTY)
    if not strokes:
        labels, _ = ndimage.label(mask, structure=EIGHT)
        return Drawing(ink, labels, cuttable=True)
    # Every ink pixel belongs to the stroke whose line passes nearest to it.
    lines = Image.new("I", (ink.shape[1], ink.shape[0]), 0)
    draw = ImageDraw.Draw(lines)
    height, width = ink.shape
    for index, stroke in enumerate(strokes, start=1):
        # A point off the ink's box only says which way the pen went: keep it on the edge.
        points = [(_within(x, width), _within(y, height)) for x, y in stroke]
        draw.line(points if len(points) > 1 else points * 2, fill=index, width=1)
    traced = np.asarray(lines, dtype=np.int32)
    _, (rows, cols) = ndimage.distance_transform_edt(traced == 0, return_indices=True)
    return Drawing(ink, traced[rows, cols] * mask, cuttable=False)


def _within(value: float, size: int) -> float:
    return min(max(float(value), 0.0), float(size - 1))


def _parts(drawing: Drawing) -> list[Part]:
    slices = ndimage.find_objects(drawing.labels)
    if len(slices) > MAX_PIECES:
        raise TooManyDigitsError(ERROR_TOO_MANY_DIGITS.format(count=len(slices), limit="far fewer"))
    return [
        Part(frozenset([label]), found[1].start, found[1].stop, drawing)
        for label, found in enumerate(slices, start=1)
        if found is not None
    ]


def _merged(parts: list[Part]) -> list[Part]:
    """Join pieces that overlap horizontally into one digit, until none do; left to right."""
    groups = sorted(parts, key=lambda part: part.x0)
    joined = True
    while joined:
        joined = False
        for i, a in enumerate(groups):
            for b in groups[i + 1 :]:
                if b.x0 >= a.x1:
                    break
                overlap = min(a.x1, b.x1) - b.x0
                if overlap >= MERGE_OVERLAP * min(a.x1 - a.x0, b.x1 - b.x0):
                    union = Part(a.labels | b.labels, a.x0, max(a.x1, b.x1), a.drawing)
                    groups = sorted(
                        [g for g in groups if g is not a and g is not b] + [union],
                        key=lambda part: part.x0,
                    )
                    joined = True
                    break
            if joined:
                break
    return groups


def _attached(groups: list[Part], height: int, area: float) -> list[Part]:
    """Join each minor group (a bar, a tick, a dot) to its nearest neighbour; drop lone specks."""

    def minor(part: Part) -> bool:
        return part.height < TALL * height or part.area < FAINT * area

    kept = [g for g in groups if not minor(g)]
    for part in sorted((g for g in groups if minor(g)), key=lambda g: -g.area):
        near = min(kept, key=lambda g: _gap(g, part), default=None)
        if near is not None and _gap(near, part) <= NEAR * height:
            kept[kept.index(near)] = Part(
                near.labels | part.labels,
                min(near.x0, part.x0),
                max(near.x1, part.x1),
                near.drawing,
            )
        elif max(part.height, part.width) >= SPECK * height:
            kept.append(part)
    return sorted(kept, key=lambda part: part.x0)


def _joined(a: Part, b: Part) -> Part:
    return Part(a.labels | b.labels, min(a.x0, b.x0), max(a.x1, b.x1), a.drawing)


def _gap(a: Part, b: Part) -> int:
    """Return the columns between two groups' ink (0 when they overlap)."""
    return max(0, max(a.box[0], b.box[0]) - min(a.box[2], b.box[2]))


def _check(groups: list[Part], height: int, max_digits: int) -> None:
    # A digit is about as wide as the number is high, or narrower: one long line of ink
    # holds at least as many digits as its width is heights, cut or not.
    count = sum(max(1, part.width // height) for part in groups)
    if count > max_digits:
        raise TooManyDigitsError(ERROR_TOO_MANY_DIGITS.format(count=count, limit=max_digits))
    for part in groups:
        long, short = max(part.width, part.height), max(1, min(part.width, part.height))
        fill = part.mask.sum() / max(1, part.width * part.height)
        if fill > BLOB_FILL and long / short < BLOB_ASPECT and long > 8:
            raise BlobError(ERROR_BLOB)
