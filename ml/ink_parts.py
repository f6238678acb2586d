"""Pieces of a drawn number's ink, as segmentation and splitting pass them around."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import ndimage

MERGE_OVERLAP = 0.5  # of the narrower piece's width: pieces overlapping this much are one digit
EIGHT = np.ones((3, 3), dtype=bool)  # pixels touching at a corner are connected

# Ink crops (each a 2-D float array) in, how confidently each reads as one digit (0-1) out.
Scorer = Callable[[list[np.ndarray]], np.ndarray]


@dataclass(frozen=True)
class Digit:
    """One digit's place in the ink map (left, top, right, bottom) and its ink alone."""

    box: tuple[int, int, int, int]
    ink: np.ndarray


@dataclass(frozen=True, eq=False)
class Part:
    """Some labelled pieces of ink, within columns x0..x1 of the drawing."""

    labels: frozenset[int]
    x0: int
    x1: int
    drawing: Drawing
    own: np.ndarray | None = None  # the pixels of columns x0..x1 that are its own, if cut

    @cached_property
    def mask(self) -> np.ndarray:
        if self.own is not None:
            return self.own
        columns = self.drawing.labels[:, self.x0 : self.x1]
        return np.isin(columns, list(self.labels))

    @cached_property
    def box(self) -> tuple[int, int, int, int]:
        rows = np.flatnonzero(self.mask.any(axis=1))
        cols = np.flatnonzero(self.mask.any(axis=0))
        if not len(rows):
            return (self.x0, 0, self.x0, 0)
        return (self.x0 + cols[0], rows[0], self.x0 + cols[-1] + 1, rows[-1] + 1)

    @cached_property
    def area(self) -> int:
        return int(self.mask.sum())

    @cached_property
    def stroke_width(self) -> float:
        """Return its stroke width: twice its ink over its outline."""
        outline = self.mask & ~ndimage.binary_erosion(self.mask)
        return max(1.0, 2 * self.area / max(1, int(outline.sum())))

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]

    def digit(self) -> Digit:
        left, top, right, bottom = self.box
        crop = self.mask[top:bottom, left - self.x0 : right - self.x0]
        return Digit(self.box, self.drawing.ink[top:bottom, left:right] * crop)


@dataclass
class Drawing:
    """The ink map, and which piece (or stroke) each inked pixel belongs to."""

    ink: np.ndarray
    labels: np.ndarray  # 0 where no ink, else which piece (or stroke) the pixel belongs to
    cuttable: bool  # pixel pieces may be cut; strokes never are


def stacked(a: Part, b: Part) -> bool:
    """Return whether two parts overlap horizontally as much as pieces of one digit do."""
    overlap = min(a.box[2], b.box[2]) - max(a.box[0], b.box[0])
    return overlap >= MERGE_OVERLAP * min(a.width, b.width)


def part_key(part: Part) -> tuple:
    own = None if part.own is None else hash(np.packbits(part.own).tobytes())
    return (part.labels, *part.box, part.x0, part.x1, own)
