"""The hand-off between the capture thread and the model worker: one slot, the newest frame wins.

Contract: ``put(frame)`` never blocks; if an unprocessed frame is waiting it is replaced and
counted as dropped. ``put_static(t)`` records that a frame identical to the last one sent was seen
at ``t`` (folded into the newest carrier rather than re-encoded). ``take()`` returns
``(fold_until, frame)``, either may be None, and empties the slot; ``take_tagged()`` also gives
the session tag of the fold (a frame carries its own ``tag``). Waiters are woken through the
shared ``threading.Condition`` so the worker can wait for frames and other commands at once.
Thread-safe; holds at most one frame. With ``keep_every_frame`` (``videoscan-desktop
--every-frame``) nothing is dropped: the producer asks ``wants_frame()`` and waits while a frame
is pending. ``clear()`` (a new engine) forgets a static mark, never the pending frame.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from .sessions import NO_TAG, StreamTag


@dataclass
class CapturedFrame:
    rgb: np.ndarray  # [H, W, 3] uint8
    timestamp: float  # seconds since the capture started (or video time for files)
    sequence: int  # capture counter, for tests and logs
    tag: StreamTag = NO_TAG  # session and segment (see capture/sessions.py)
    excluded: int = 0  # windows the privacy guard blacked out in it


class LatestFrameSlot:
    def __init__(self, condition: threading.Condition | None = None) -> None:
        self.condition = condition or threading.Condition()
        self._frame: CapturedFrame | None = None
        self._fold_until: float | None = None
        self._fold_tag = NO_TAG
        self.dropped = 0
        self.put_count = 0
        self.keep_every_frame = False  # the producer waits for the model instead of replacing

    def put(self, frame: CapturedFrame) -> None:
        with self.condition:
            if self._frame is not None:
                self.dropped += 1
            self._frame = frame
            self._fold_until = None  # the new frame supersedes pending static extensions
            self.put_count += 1
            self.condition.notify_all()

    def put_static(self, timestamp: float, tag: StreamTag = NO_TAG) -> None:
        with self.condition:
            if self._frame is not None:
                return  # the pending frame already stands for this moment
            self._fold_until, self._fold_tag = timestamp, tag
            self.condition.notify_all()

    def take(self) -> tuple[float | None, CapturedFrame | None]:
        fold, _, frame = self.take_tagged()
        return fold, frame

    def take_tagged(self) -> tuple[float | None, StreamTag, CapturedFrame | None]:
        with self.condition:
            fold, tag, frame = self._fold_until, self._fold_tag, self._frame
            self._fold_until, self._frame = None, None
            return fold, tag, frame

    def has_work(self) -> bool:
        """Call with ``condition`` held."""
        return self._frame is not None or self._fold_until is not None

    def wants_frame(self) -> bool:
        """False while a frame waits and every frame must be kept (the producer skips a tick)."""
        with self.condition:
            return not (self.keep_every_frame and self._frame is not None)

    def clear(self) -> None:
        """Forget a pending static mark (a new engine has no carrier to extend). A pending frame
        stays: it is the newest changed frame, so on a still screen it is what the screen shows
        now and the only frame that will come (dropping it left the memory empty)."""
        with self.condition:
            self._fold_until = None
