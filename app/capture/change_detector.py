"""Deciding whether a frame is "the same" as the last one sent to the model (a static screen).

Contract: ``ChangeDetector(threshold)`` compares a 64x36 grey thumbnail of each frame with the
thumbnail of the last frame it accepted; ``is_static(frame)`` is True when the mean absolute
difference (0..1) is below ``threshold``. A threshold of 0 sends every frame. Accepting a frame
(``is_static`` returning False) makes it the new reference.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

THUMB_SIZE = (64, 36)


SAMPLE_SIZE = (256, 144)  # pixels read from a large frame before the thumbnail is made


def thumbnail_grey(frame: np.ndarray) -> np.ndarray:
    """A 64x36 grey thumbnail (0..1). Large frames are first sampled on a strided grid of about
    256x144 pixels (a view, no copy), so a 4K screen costs about what a small frame costs."""
    height, width = frame.shape[:2]
    step_y = max(1, height // SAMPLE_SIZE[1])
    step_x = max(1, width // SAMPLE_SIZE[0])
    sampled = np.ascontiguousarray(frame[::step_y, ::step_x, :3])
    image = Image.fromarray(sampled).convert("L").resize(THUMB_SIZE, Image.Resampling.BILINEAR)
    return np.asarray(image, dtype=np.float32) / 255.0


class ChangeDetector:
    def __init__(self, threshold: float = 0.01) -> None:
        self.threshold = threshold
        self._reference: np.ndarray | None = None

    def difference(self, frame: np.ndarray) -> float:
        if self._reference is None:
            return 1.0
        return float(np.abs(thumbnail_grey(frame) - self._reference).mean())

    def is_static(self, frame: np.ndarray) -> bool:
        thumb = thumbnail_grey(frame)
        if self._reference is not None and self.threshold > 0:
            if float(np.abs(thumb - self._reference).mean()) < self.threshold:
                return True
        self._reference = thumb
        return False

    def reset(self) -> None:
        self._reference = None
