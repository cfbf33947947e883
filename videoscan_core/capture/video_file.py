"""A video file as a source: it plays on its own time base and ends when the file does.

``read(t)`` returns the frame shown at video time ``t`` (the last frame whose time is <= t),
reading forward only (skipped frames are grabbed, not decoded); None once ``t`` is past the end.
When the decoder stops clearly before the container's frame count (a truncated or damaged file),
``stopped_early`` says so in one line (None otherwise); the controller shows it when the file ends.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import VideoReadError
from ..video import frame_shown_at, import_cv2, probe_video, short_read_message, shrink_frame
from .base import CaptureError, FrameSource


class VideoFileSource(FrameSource):
    live = False

    def __init__(self, path: str) -> None:
        self.path = path
        self._capture: Any = None  # cv2.VideoCapture while open
        self._fps = 30.0
        self._next_index = 0  # index of the next frame the decoder would deliver
        self._last: np.ndarray | None = None
        self.duration = 0.0
        self._frame_count = 0
        self.stopped_early: str | None = None

    def open(self) -> None:
        try:
            info = probe_video(self.path)
        except VideoReadError as error:
            raise CaptureError(str(error)) from None
        cv2 = import_cv2()
        self._capture = cv2.VideoCapture(info.path)
        self._fps = info.fps if info.fps > 0 else 30.0
        self.duration = info.duration
        self._frame_count = info.frame_count

    def read(self, timestamp: float) -> np.ndarray | None:
        cv2 = import_cv2()
        target = frame_shown_at(timestamp, self._fps)
        if target < self._next_index and self._last is not None:
            return self._last  # still the frame on screen
        while self._next_index < target:
            if not self._capture.grab():
                self._ended()
                return None
            self._next_index += 1
        ok, frame = self._capture.read()
        if not ok or frame is None:
            self._ended()
            return None
        self._next_index += 1
        self._last = cv2.cvtColor(shrink_frame(frame), cv2.COLOR_BGR2RGB)
        return self._last

    def _ended(self) -> None:
        self.stopped_early = short_read_message(
            self.path, self._next_index, self._frame_count, self._fps
        )

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None
