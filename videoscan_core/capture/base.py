"""The frame-source interface and the textual source specs used in settings and flags.

Contract: a ``FrameSource`` is opened once (``open`` raises ``CaptureError`` with a message for
people: no camera, no display, unreadable file), then ``read(t)`` returns the RGB uint8 frame
``[H, W, 3]`` for stream time ``t`` seconds, or None when a finite source (a file) has ended.
Live sources (screen, webcam) return what is visible now; a video file returns its frame at video
time ``t``. A screen source returns ``Withheld(reason)`` instead of a frame while privacy rules
pause capture (``privacy.guard``); the frames it does return have excluded windows blacked
out. Specs: ``screen``, ``screen:N`` (monitor N, 1-based), ``region:X,Y,W,H``,
``window:TITLE`` (the window whose title contains TITLE, followed as it moves), ``webcam``,
``webcam:N`` or ``webcam:PATH`` (a file standing in for a camera), ``file:PATH``,
``demo:N`` (synthetic demo video N of the demo model's benchmark, generated on first use).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from .withheld import Withheld  # noqa: F401 - part of the FrameSource contract


class CaptureError(Exception):
    """A source cannot be opened or read; the message is shown to the user."""


@dataclass(frozen=True)
class SourceSpec:
    kind: str  # "screen", "region", "webcam", "file"
    monitor: int = 1
    device: str = "0"
    path: str = ""
    region: tuple[int, int, int, int] = (0, 0, 0, 0)

    @classmethod
    def parse(cls, text: str) -> SourceSpec:
        kind, _, rest = text.strip().partition(":")
        kind = kind.lower()
        if kind == "screen":
            try:
                return cls("screen", monitor=int(rest) if rest else 1)
            except ValueError:
                raise CaptureError(f"bad screen number in {text!r}; use screen:1") from None
        if kind == "region":
            try:
                x, y, w, h = (int(v) for v in rest.split(","))
            except ValueError:
                raise CaptureError(f"bad region {text!r}; use region:X,Y,WIDTH,HEIGHT") from None
            if w <= 0 or h <= 0:
                raise CaptureError("a capture region needs a positive width and height")
            return cls("region", region=(x, y, w, h))
        if kind == "webcam":
            return cls("webcam", device=rest or "0")
        if kind == "demo":
            try:
                return cls("demo", device=str(int(rest)) if rest else "0")
            except ValueError:
                raise CaptureError(f"bad demo number in {text!r}; use demo:1") from None
        if kind == "window":
            if not rest.strip():
                raise CaptureError("window: needs a piece of its title, e.g. window:Firefox")
            return cls("window", path=rest.strip())
        if kind == "file":
            if not rest:
                raise CaptureError("file: needs a path, e.g. file:/home/me/clip.mp4")
            return cls("file", path=rest)
        raise CaptureError(
            f"unknown source {text!r}; use screen[:N], region:X,Y,W,H, window:TITLE, webcam[:N] "
            "or file:PATH"
        )

    def __str__(self) -> str:
        if self.kind == "screen":
            return f"screen:{self.monitor}"
        if self.kind == "region":
            return "region:" + ",".join(str(v) for v in self.region)
        if self.kind == "webcam":
            return f"webcam:{self.device}"
        if self.kind == "demo":
            return f"demo:{self.device}"
        if self.kind == "window":
            return f"window:{self.path}"
        return f"file:{self.path}"

    @property
    def label(self) -> str:
        if self.kind == "screen":
            return f"Screen {self.monitor}"
        if self.kind == "region":
            x, y, w, h = self.region
            return f"Screen region {w}x{h} at ({x}, {y})"
        if self.kind == "webcam":
            return f"Webcam {self.device}"
        if self.kind == "demo":
            return f"Demo video {self.device}"
        if self.kind == "window":
            return f"Window '{self.path}'"
        return f"Video file {self.path}"


class FrameSource(ABC):
    live = True  # False for files, which play on their own time base and end

    @abstractmethod
    def open(self) -> None: ...

    @abstractmethod
    def read(self, timestamp: float) -> np.ndarray | Withheld | None: ...

    def close(self) -> None:  # noqa: B027 - optional hook
        pass
