"""Watching one window: capture follows it as it moves or resizes.

Contract: ``WindowSource(text)`` watches the window whose title contains ``text`` (or whose app
name is ``text``, as privacy rules match), the topmost such window when it opens
(``CaptureError`` when none matches or windows cannot be listed). ``read`` grabs that window's
current rectangle (clipped to the virtual screen) through mss and the privacy guard (exclusions
and pauses apply as for screens); it returns ``Withheld(reason)`` while the window is minimised,
off screen, or closed (a window matching ``text`` again is picked up when it reappears). What is
captured is what the screen shows inside the rectangle: a window covering the watched one is
seen too. Frames change size when the window does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import CaptureError, FrameSource
from .privacy.guard import GUARD
from .privacy.listers import make_lister
from .privacy.rules import rule_matches
from .privacy.windows import WindowInfo, WindowListUnavailable
from .screen import grab_rgb, permission_hint
from .withheld import Withheld


class WindowSource(FrameSource):
    def __init__(self, text: str, lister_factory=make_lister) -> None:
        self.text = text
        self.lister_factory = lister_factory
        self.window_id: int | None = None
        self._lister: Any = None  # the platform window lister while open
        self._grabber: Any = None  # an mss grabber while open
        self._bounds: dict = {}  # the virtual screen while open

    def _find(self) -> WindowInfo | None:
        found = [w for w in self._lister.windows() if rule_matches(self.text, w)]
        visible = [w for w in found if not w.minimised]
        return (visible or found or [None])[-1]  # topmost

    def open(self) -> None:
        try:
            self._lister = self.lister_factory()
            window = self._find()
        except WindowListUnavailable as error:
            raise CaptureError(f"cannot watch a window: {error}") from None
        if window is None:
            raise CaptureError(
                f"no open window matches '{self.text}'; open it, or choose another window"
            )
        self.window_id = window.id
        try:
            import mss

            self._grabber = mss.MSS() if hasattr(mss, "MSS") else mss.mss()
        except Exception as error:
            raise CaptureError(f"cannot capture the screen: {error}{permission_hint()}") from None
        self._bounds = dict(self._grabber.monitors[0])  # the whole virtual screen

    def _current(self) -> WindowInfo | None:
        window = self._lister.window(self.window_id) if self.window_id is not None else None
        if window is None:  # closed: a new window matching the text takes its place
            window = self._find()
            self.window_id = window.id if window is not None else None
        return window

    def read(self, timestamp: float) -> np.ndarray | Withheld:
        try:
            window = self._current()
        except WindowListUnavailable as error:
            return GUARD.report_source(f"the window list cannot be read ({error})")
        if window is None:
            return GUARD.report_source(f"the window '{self.text}' was closed")
        if window.minimised:
            return GUARD.report_source(f"the window '{self.text}' is minimised")
        area = self._clip(window)
        if area is None:
            return GUARD.report_source(f"the window '{self.text}' is off screen")
        return GUARD.capture(area, lambda: self._grab(area))

    def _clip(self, window: WindowInfo) -> dict | None:
        bounds = self._bounds
        left, top = max(window.x, bounds["left"]), max(window.y, bounds["top"])
        right = min(window.x + window.width, bounds["left"] + bounds["width"])
        bottom = min(window.y + window.height, bounds["top"] + bounds["height"])
        if right - left < 8 or bottom - top < 8:
            return None
        return {"left": left, "top": top, "width": right - left, "height": bottom - top}

    def _grab(self, area: dict) -> np.ndarray:
        return grab_rgb(self._grabber, area, "window")

    def close(self) -> None:
        if self._grabber is not None:
            self._grabber.close()
            self._grabber = None
        if self._lister is not None:
            self._lister.close()
            self._lister = None
