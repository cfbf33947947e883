"""Webcam capture with OpenCV (a file path can stand in for the device, as tests do).

``available_cameras(indices)`` names the camera indices that really open (each is opened and
released, which takes a moment on some systems: call it off the GUI thread); on Linux an index
without its ``/dev/videoN`` node is skipped without asking OpenCV.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import VideoReadError
from ..video import cv2_path, import_cv2, shrink_frame
from .base import CaptureError, FrameSource


class WebcamSource(FrameSource):
    def __init__(self, device: str = "0") -> None:
        self.device = device
        self._capture: Any = None  # cv2.VideoCapture while open

    def open(self) -> None:
        cv2 = import_cv2()
        try:
            target: int | str = int(self.device) if self.device.isdigit() else cv2_path(self.device)
        except VideoReadError as error:
            raise CaptureError(str(error)) from None
        capture = cv2.VideoCapture(target)
        if not capture.isOpened():
            capture.release()
            raise CaptureError(
                f"no camera at index {self.device}: check that it is connected and not used by "
                "another program"
                if isinstance(target, int)
                else f"cannot open camera {target}"
            )
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # we want the newest image, not a queue
        self._capture = capture

    def open_and_close(self) -> None:
        """Check that the camera opens (``CaptureError`` when not), then let it go."""
        self.open()
        self.close()

    def read(self, timestamp: float) -> np.ndarray:
        cv2 = import_cv2()
        ok, frame = self._capture.read()
        if not ok and not str(self.device).isdigit():
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)  # a stand-in file loops
            ok, frame = self._capture.read()
        if not ok or frame is None:
            raise CaptureError(f"camera {self.device} stopped delivering images")
        return cv2.cvtColor(shrink_frame(frame), cv2.COLOR_BGR2RGB)

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None


def available_cameras(indices: Iterable[int] = range(4)) -> list[int]:
    """The camera indices among ``indices`` that open (see the module docstring)."""
    found = []
    for index in indices:
        if sys.platform == "linux" and not Path(f"/dev/video{index}").exists():
            continue
        try:
            WebcamSource(str(index)).open_and_close()
        except CaptureError:
            continue
        found.append(index)
    return found
