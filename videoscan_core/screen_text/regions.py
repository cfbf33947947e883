"""Which parts of a frame to read, and how large: bounded OCR work on any screen size.

Contract: ``plan_reading(height, width, changed)`` turns the change detector's changed boxes
(``(x, y, w, h)`` screen pixels; ``None`` or a ``(0, 0, 0, 0)`` box means "the whole frame", as
for a session's first frame or a scene cut) into a ``ReadPlan``: at most ``MAX_REGIONS`` boxes
``(x0, y0, x1, y1)``, each padded (``PAD_X`` / ``PAD_Y``, so a line that changed in part is read
whole), merged where they touch, clipped to the frame, and one ``scale`` (<= 1) that keeps the
pixels read at most ``MAX_PIXELS`` (a 4K or 8K screen is read downscaled, never at full size).
When the regions would cover most of the frame, the plan is the whole frame. ``crop(frame,
box, scale)`` cuts and scales one region; ``to_frame(box, region, scale)`` maps a box read in
the crop back to frame pixels. ``tiles(w, h)``: the overlapping tiles OCR reads a large crop in.
``cut_sides(box, part, whole)``: a line touching an edge of a tile or region that is not the
frame's edge may be cut; ``band(...)`` is the full-width strip that reads it again. Pure
numpy/OpenCV, no state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..video import import_cv2

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 (x1/y1 exclusive)

PAD_X = 160  # screen pixels added left and right of a changed box
PAD_Y = 24  # and above and below
MAX_REGIONS = 8
WHOLE_FRACTION = 0.6  # regions covering more than this of the frame: read the whole frame
MAX_PIXELS = 1920 * 1088  # pixels read per frame at most (a 1080p screen is read at full size)
EDGE = 3  # a line box within this many pixels of an inner edge may be cut
# OCR reads a large image in tiles: PP-OCR's detector misses sparse small text on large inputs
# (one 12 px line alone on a 1920x1088 input: peak text score 0.56, under its 0.6 box threshold;
# 0.99 on 1920x384). Tiles are full-width bands up to TILE_WIDTH wide, of TILE_PIXELS at most.
TILE_WIDTH = 2560
TILE_PIXELS = 800_000
OVERLAP = 64  # between neighbouring tiles: a line up to this tall is whole in one of them


@dataclass(frozen=True)
class ReadPlan:
    boxes: tuple[Box, ...]
    scale: float = 1.0
    whole: bool = False

    @property
    def pixels(self) -> int:
        return sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in self.boxes)


def plan_reading(
    height: int, width: int, changed: list[tuple[int, int, int, int]] | None
) -> ReadPlan:
    frame: Box = (0, 0, width, height)
    if not changed or any(w <= 0 or h <= 0 for _, _, w, h in changed):
        return _plan((frame,), whole=True)
    boxes = [
        (
            max(0, x - PAD_X),
            max(0, y - PAD_Y),
            min(width, x + w + PAD_X),
            min(height, y + h + PAD_Y),
        )
        for x, y, w, h in changed
    ]
    boxes = [box for box in _merged(boxes) if box[2] > box[0] and box[3] > box[1]]
    while len(boxes) > MAX_REGIONS:  # join the two closest until few enough
        boxes = _join_closest(boxes)
    plan = _plan(tuple(boxes))
    if not boxes or plan.pixels > WHOLE_FRACTION * width * height:
        return _plan((frame,), whole=True)
    return plan


def _plan(boxes: tuple[Box, ...], whole: bool = False) -> ReadPlan:
    pixels = sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in boxes)
    scale = min(1.0, math.sqrt(MAX_PIXELS / pixels)) if pixels else 1.0
    return ReadPlan(boxes, scale, whole)


def _touch(a: Box, b: Box) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _union(a: Box, b: Box) -> Box:
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def _merged(boxes: list[Box]) -> list[Box]:
    """Boxes that touch are joined, until none touch."""
    boxes = list(boxes)
    changed = True
    while changed:
        changed = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                if _touch(boxes[i], boxes[j]):
                    boxes[i] = _union(boxes[i], boxes.pop(j))
                    changed = True
                    break
            if changed:
                break
    return boxes


def _join_closest(boxes: list[Box]) -> list[Box]:
    def cost(pair):
        a, b = boxes[pair[0]], boxes[pair[1]]
        u = _union(a, b)
        return _area(u) - _area(a) - _area(b)

    pairs = [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes))]
    i, j = min(pairs, key=cost)
    joined = _union(boxes[i], boxes[j])
    rest = [box for k, box in enumerate(boxes) if k not in (i, j)]
    return _merged([*rest, joined])


def _area(box: Box) -> int:
    return (box[2] - box[0]) * (box[3] - box[1])


def crop(frame: np.ndarray, box: Box, scale: float) -> np.ndarray:
    """The region ``box`` of ``frame [H, W, 3]``, scaled by ``scale`` (area averaging)."""
    x0, y0, x1, y1 = box
    part = frame[y0:y1, x0:x1, :3]
    if scale >= 1.0:
        return np.ascontiguousarray(part)
    size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
    return import_cv2().resize(np.ascontiguousarray(part), size, interpolation=3)  # INTER_AREA


def to_frame(box: Box, region: Box, scale: float) -> Box:
    """A box read in the scaled crop of ``region``, in frame pixels."""
    x0, y0, x1, y1 = box
    return (
        region[0] + math.floor(x0 / scale),
        region[1] + math.floor(y0 / scale),
        min(region[2], region[0] + math.ceil(x1 / scale)),
        min(region[3], region[1] + math.ceil(y1 / scale)),
    )


def tiles(width: int, height: int) -> list[Box]:
    """Tiles ``(x0, y0, x1, y1)`` covering a ``width`` x ``height`` image: bands at most
    ``TILE_WIDTH`` wide and ``TILE_PIXELS`` large, evenly sized, overlapping by ``OVERLAP``."""

    def spans(length: int, most: int) -> list[tuple[int, int]]:
        count = max(1, math.ceil((length - OVERLAP) / (most - OVERLAP)))
        size = math.ceil((length + (count - 1) * OVERLAP) / count)
        starts = [min(i * (size - OVERLAP), max(0, length - size)) for i in range(count)]
        return [(start, min(length, start + size)) for start in starts]

    columns = spans(width, TILE_WIDTH)
    most_height = max(2 * OVERLAP + 32, TILE_PIXELS // (columns[0][1] - columns[0][0]))
    return [(x0, y0, x1, y1) for y0, y1 in spans(height, most_height) for x0, x1 in columns]


def cut_sides(box: Box, part: Box, whole: Box) -> tuple[bool, bool]:
    """Whether a line box touches an edge of ``part`` that is not an edge of ``whole`` (the line
    may go on outside it): (left or right, top or bottom)."""
    sideways = (part[0] > whole[0] and box[0] - part[0] <= EDGE) or (
        part[2] < whole[2] and part[2] - box[2] <= EDGE
    )
    upright = (part[1] > whole[1] and box[1] - part[1] <= EDGE) or (
        part[3] < whole[3] and part[3] - box[3] <= EDGE
    )
    return sideways, upright


def band(box: Box, height: int, width: int) -> Box:
    """The full-width strip around a line box (frame pixels)."""
    pad = max(4, (box[3] - box[1]) // 2)
    return 0, max(0, box[1] - pad), width, min(height, box[3] + pad)
