"""Screen capture with mss: a whole monitor or a rectangle of the virtual screen.

Failures raise ``CaptureError`` with what to do about them on this platform (a Wayland session
without XWayland, macOS screen-recording permission)."""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np

from ..errors import first_line
from .base import CaptureError, FrameSource, Withheld
from .region_fit import fit_region


class ScreenSource(FrameSource):
    def __init__(self, monitor: int = 1, region: tuple[int, int, int, int] | None = None) -> None:
        self.monitor = monitor
        self.region = region
        self._grabber: Any = None  # an mss grabber while open
        self._area: dict = {}  # the grabbed area (mss) while open

    def open(self) -> None:
        try:
            import mss

            grabber = mss.MSS() if hasattr(mss, "MSS") else mss.mss()
        except Exception as error:  # mss raises ScreenShotError / XError without a display
            raise CaptureError(f"cannot capture the screen: {error}{permission_hint()}") from None
        monitors = grabber.monitors  # [0] is the union of all monitors
        if self.region is not None:
            try:  # clipped to the screen: X11 refuses to grab outside it
                self._area = fit_region(self.region, monitors[0])
            except ValueError as error:
                grabber.close()
                raise CaptureError(str(error)) from None
        elif 1 <= self.monitor < len(monitors):
            self._area = dict(monitors[self.monitor])
        else:
            grabber.close()
            count = len(monitors) - 1
            raise CaptureError(f"there is no screen {self.monitor} (this machine has {count})")
        self._grabber = grabber

    def read(self, timestamp: float) -> np.ndarray | Withheld:
        from .privacy.guard import GUARD  # excluded windows blacked out, pauses honoured

        return GUARD.capture(self._area, self._grab)

    def _grab(self) -> np.ndarray:
        return grab_rgb(self._grabber, self._area, "screen")

    def close(self) -> None:
        if self._grabber is not None:
            self._grabber.close()
            self._grabber = None


def grab_rgb(grabber, area: dict, what: str) -> np.ndarray:
    """``area`` of the screen through an mss ``grabber`` as RGB uint8 ``[H, W, 3]``;
    ``CaptureError`` ("``what`` capture failed: ...") when the grab fails."""
    try:
        shot = grabber.grab(area)
    except Exception as error:
        problem = first_line(error)  # X11 errors span several lines
        raise CaptureError(f"{what} capture failed: {problem}{permission_hint()}") from None
    bgra = np.frombuffer(shot.bgra, dtype=np.uint8).reshape(shot.height, shot.width, 4)
    return bgra[:, :, 2::-1].copy()  # BGRA -> RGB


def permission_hint() -> str:
    """What usually blocks screen capture on this platform, as a sentence to append."""
    if sys.platform == "darwin":
        return (
            ". Allow VideoScan in System Settings > Privacy & Security > Screen Recording,"
            " then restart it"
        )
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        return ". Screen capture needs an X11 session (or XWayland); watch a video or a webcam"
    return ""


def list_monitors() -> list[tuple[int, str]]:
    """(number, description with size and position) of each monitor, for the source menu;
    empty without a display."""
    try:
        import mss

        with mss.MSS() if hasattr(mss, "MSS") else mss.mss() as grabber:
            return [
                (i, f"Screen {i} ({m['width']}x{m['height']} at {m['left']},{m['top']})")
                for i, m in enumerate(grabber.monitors)
                if i > 0
            ]
    except Exception:
        return []
