"""Deciding whether a frame is "the same" as the last one sent to the model (a static screen).

Contract: ``ChangeDetector(threshold)`` compares each frame with the last frame it accepted;
``is_static(frame)`` is True when nothing that matters changed. Accepting a frame (``is_static``
returning False) makes it the new reference; ``reset()`` forgets it (the next frame is accepted).
A threshold of 0 sends every frame.

Two tests, either one makes a change:
- *Local (text-sized) changes.* The frame is turned grey and reduced by a whole factor to at most
  ``WORK_LONG_SIDE`` pixels on its long side (area averaging: 12 px screen text stays legible at
  half size, compression noise is averaged),
  pixels differing by more than ``PIXEL_LEVEL`` are marked, and the marks are counted in
  ``TILE`` x ``TILE`` tiles. Tiles with at least ``TILE_FRACTION`` marked pixels are grouped into
  regions (touching tiles, one tile of slack); a region counts when it is larger than
  ``SMALL_BOX`` screen pixels in either direction. So a new line of text, a notification popup, or
  the focus moving to another field count; a blinking caret or a ticking clock (a few digits) does
  not.
- *Diffuse changes* (a scene cut, lighting): the mean grey difference of a 64x36 thumbnail is at
  least ``threshold`` (0..1; the settings' "change threshold").

Thresholds are measured, see ``tests/app/test_change_detector.py`` and benchmarks/NOTES.md. A
1280x720 frame costs about a millisecond (OpenCV).
"""

from __future__ import annotations

import numpy as np

from ..video import import_cv2

WORK_LONG_SIDE = 1000  # the long side is reduced by a whole factor to at most this
PIXEL_LEVEL = 40  # grey levels (of 255) that make a pixel "changed"
TILE = 8  # tile side in working pixels
TILE_FRACTION = 2 / 64  # marked pixels in a tile that make it changed
SMALL_BOX = (44, 30)  # screen pixels (width, height): regions within this are caret/clock-sized
THUMB_SIZE = (64, 36)


class ChangeDetector:
    def __init__(self, threshold: float = 0.01) -> None:
        # it runs in the capture thread beside the model worker: OpenCV's thread pool would only
        # compete with the model for the same cores (3x slower on a busy 2-core machine)
        import_cv2().setNumThreads(1)
        self.threshold = threshold
        self._reference: np.ndarray | None = None  # working grey image [h, w] uint8
        self._reference_thumb = np.zeros((0, 0), np.float32)  # [36, 64] with a reference
        self._scale = 1.0  # screen pixels per working pixel
        # what changed in the last accepted frame: regions (x, y, w, h) in screen px, or
        # [(0, 0, 0, 0)] for all of it (a first frame, a resize, a scene cut); read by screen text
        self.last_regions: list[tuple[int, int, int, int]] = []

    def reset(self) -> None:
        self._reference = None

    def is_static(self, frame: np.ndarray) -> bool:
        """``frame``: RGB uint8 ``[H, W, 3]``."""
        grey = self._working_grey(frame)
        comparable = self._reference is not None and self._reference.shape == grey.shape
        if comparable and self.threshold > 0:
            if not self._changed(grey):
                return True
        else:
            self.last_regions = [(0, 0, 0, 0)]  # nothing to compare with: all of it is new
        self._reference, self._reference_thumb = grey, _thumbnail(grey)
        return False

    def difference(self, frame: np.ndarray) -> float:
        """The thumbnail mean difference (0..1) from the reference; 1.0 without one."""
        if self._reference is None:
            return 1.0
        grey = self._working_grey(frame)
        if grey.shape != self._reference.shape:
            return 1.0
        return _thumbnail_difference(grey, self._reference_thumb)

    # -- internals --------------------------------------------------------------------------
    def _working_grey(self, frame: np.ndarray) -> np.ndarray:
        cv2 = import_cv2()
        grey = cv2.cvtColor(np.ascontiguousarray(frame[:, :, :3]), cv2.COLOR_RGB2GRAY)
        height, width = grey.shape
        factor = max(1, -(-max(height, width) // WORK_LONG_SIDE))  # whole factors are fast
        self._scale = float(factor)
        if factor > 1:
            size = (max(1, width // factor), max(1, height // factor))
            grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
        return grey

    def _changed(self, grey: np.ndarray) -> bool:
        if _thumbnail_difference(grey, self._reference_thumb) >= self.threshold:
            self.last_regions = [(0, 0, 0, 0)]
            return True
        self.last_regions = self.local_regions(grey)
        return bool(self.last_regions)

    def local_regions(self, grey: np.ndarray) -> list[tuple[int, int, int, int]]:
        """Changed regions larger than ``SMALL_BOX``, as screen-pixel boxes (x, y, w, h)."""
        cv2 = import_cv2()
        marked = (cv2.absdiff(grey, self._reference) > PIXEL_LEVEL).astype(np.uint8)
        if not marked.any():
            return []
        height, width = marked.shape
        rows, cols = -(-height // TILE), -(-width // TILE)
        padded = np.zeros((rows * TILE, cols * TILE), np.uint8)
        padded[:height, :width] = marked
        counts = padded.reshape(rows, TILE, cols, TILE).sum(axis=(1, 3))  # [rows, cols]
        tiles = (counts >= TILE_FRACTION * TILE * TILE).astype(np.uint8)
        if not tiles.any():
            return []
        joined = cv2.dilate(tiles, np.ones((3, 3), np.uint8))  # one tile of slack between parts
        count, labels = cv2.connectedComponents(joined, connectivity=8)
        regions = []
        for label in range(1, count):
            ys, xs = np.nonzero((labels == label) & (tiles > 0))
            if len(xs) == 0:
                continue
            box = _pixel_box(padded, xs, ys)
            x, y, w, h = (round(v * self._scale) for v in box)
            if w > SMALL_BOX[0] or h > SMALL_BOX[1]:
                regions.append((x, y, w, h))
        return regions


def _pixel_box(marked: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> tuple[int, int, int, int]:
    """The tight box (working px) of the marked pixels inside the tiles at ``xs``/``ys``."""
    x0, x1 = xs.min() * TILE, (xs.max() + 1) * TILE
    y0, y1 = ys.min() * TILE, (ys.max() + 1) * TILE
    window = marked[y0:y1, x0:x1]
    py, px = np.nonzero(window)
    return (x0 + px.min(), y0 + py.min(), px.max() - px.min() + 1, py.max() - py.min() + 1)


def _thumbnail(grey: np.ndarray) -> np.ndarray:
    cv2 = import_cv2()
    return cv2.resize(grey, THUMB_SIZE, interpolation=cv2.INTER_AREA).astype(np.float32)


def _thumbnail_difference(grey: np.ndarray, reference_thumb: np.ndarray) -> float:
    return float(np.abs(_thumbnail(grey) - reference_thumb).mean() / 255.0)
