"""One frame's text: the planned regions read by OCR, in frame pixels.

Contract: ``read_frame(engine, frame, changed)`` plans the regions (``regions.plan_reading``),
reads each one (scaled down when the plan says so) in overlapping tiles (``regions.tiles``),
drops a line cut by a tile edge when a neighbouring tile read it whole, reads again, once, the
full-width strip of any line cut by a left or right edge (of a tile or region), and returns a
``FrameReading``: the lines (``OcrLine`` with frame-pixel boxes, no duplicates), the areas that
were read (a line remembered inside one of them and not read again has left the screen),
whether it was the whole frame, the uncertain count, the pixels read and the time taken.
``frame``: RGB uint8 ``[H, W, 3]``, already blacked out by the privacy guard.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .ocr import OcrEngine, OcrLine
from .regions import Box, band, crop, cut_sides, plan_reading, tiles, to_frame


@dataclass(frozen=True)
class FrameReading:
    lines: tuple[OcrLine, ...]
    areas: tuple[Box, ...]
    whole: bool = False
    uncertain: int = 0
    pixels: int = 0  # pixels OCR looked at (after scaling)
    ms: float = 0.0


def _overlap(a: Box, b: Box) -> float:
    """Intersection over the smaller box."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w * h / max(1, smaller)


@dataclass
class _Read:
    line: OcrLine
    sideways: bool  # may go on left or right
    upright: bool  # may be cut at the top or bottom


class _Reader:
    def __init__(self, engine: OcrEngine, frame: np.ndarray, scale: float) -> None:
        self.engine, self.frame, self.scale = engine, frame, scale
        self.uncertain = self.pixels = 0

    def region(self, region: Box, tiled: bool = True) -> list[_Read]:
        """Lines in ``region`` (frame pixels), each with where it may be cut."""
        part = crop(self.frame, region, self.scale)
        height, width = part.shape[:2]
        whole_frame = (0, 0, self.frame.shape[1], self.frame.shape[0])
        found = []
        for tile in tiles(width, height) if tiled else [(0, 0, width, height)]:
            x0, y0, x1, y1 = tile
            reading = self.engine.read(part[y0:y1, x0:x1])
            self.uncertain += reading.uncertain
            self.pixels += (x1 - x0) * (y1 - y0)
            tile_box = to_frame(tile, region, self.scale)
            for line in reading.lines:
                bx0, by0, bx1, by1 = line.box
                box = to_frame((bx0 + x0, by0 + y0, bx1 + x0, by1 + y0), region, self.scale)
                inner = _clip(region, whole_frame)
                sideways, upright = cut_sides(box, tile_box, whole_frame)
                side_region, up_region = cut_sides(box, inner, whole_frame)
                found.append(
                    _Read(
                        OcrLine(line.text, box, line.score),
                        sideways or side_region,
                        upright or up_region,
                    )
                )
        return found


def _clip(box: Box, outer: Box) -> Box:
    return (
        max(box[0], outer[0]),
        max(box[1], outer[1]),
        min(box[2], outer[2]),
        min(box[3], outer[3]),
    )


def read_frame(
    engine: OcrEngine, frame: np.ndarray, changed: list[tuple[int, int, int, int]] | None
) -> FrameReading:
    started = time.perf_counter()
    height, width = frame.shape[:2]
    plan = plan_reading(height, width, changed)
    reader = _Reader(engine, frame, plan.scale)
    found = [read for region in plan.boxes for read in reader.region(region)]
    whole = [read for read in found if not read.sideways and not read.upright]
    kept = [read.line for read in whole]
    strips = []
    for read in found:
        if read.sideways or read.upright:
            if any(_overlap(read.line.box, line.box) >= 0.5 for line in kept):
                continue  # a neighbouring tile read it whole
            if read.sideways:
                strips.append(band(read.line.box, height, width))
            else:
                kept.append(read.line)  # cut only above or below by a region edge: keep
    areas = list(plan.boxes)
    for strip in _merged_strips(strips):
        for read in reader.region(strip, tiled=False):
            if all(_overlap(read.line.box, line.box) < 0.5 for line in kept):
                kept.append(read.line)
        areas.append(strip)
    kept.sort(key=lambda line: (line.box[1], line.box[0]))
    return FrameReading(
        tuple(kept),
        tuple(areas),
        plan.whole,
        reader.uncertain,
        reader.pixels,
        (time.perf_counter() - started) * 1000,
    )


def _merged_strips(strips: list[Box]) -> list[Box]:
    merged: list[Box] = []
    for strip in sorted(strips, key=lambda box: box[1]):
        if merged and strip[1] <= merged[-1][3]:
            last = merged[-1]
            merged[-1] = (0, last[1], last[2], max(last[3], strip[3]))
        else:
            merged.append(strip)
    return merged
