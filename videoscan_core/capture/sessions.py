"""Which session and segment a captured frame belongs to, and the live sources' shared clock.

Contract: ``CaptureSessions`` numbers sessions and segments and keeps one monotonic clock per
session. Live sources (screen, region, webcam) share one wall-clock timeline: switching between
them keeps the session (a new segment, same clock), so the memory continues. A video file starts a
new session with its own clock (video time), and so does the first live source after a file.
``new_memory()`` (File > New memory) starts a new session at once; a live session's clock
restarts at 0. Pausing changes nothing here. Each frame carries its ``StreamTag``; the model
worker resets the engine when the session changes and starts a segment when the segment changes.
Qt-free; used from the capture thread only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class StreamTag:
    session: int  # a new number means: forget the memory, time starts afresh
    segment: int  # a new number within a session means: a source whose clock may restart


NO_TAG = StreamTag(0, 0)  # before anything was watched


class CaptureSessions:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.tag = NO_TAG
        self.live: bool | None = None  # the current session's kind (None before the first)
        self._origin = clock()

    def begin_source(self, live: bool) -> StreamTag:
        """A source was opened: continue the live session or start a new one."""
        if live and self.live:
            self.tag = StreamTag(self.tag.session, self.tag.segment + 1)
        else:
            self._new_session(live)
        return self.tag

    def new_memory(self) -> StreamTag:
        """Start afresh (memory reset); the current source, if any, keeps playing."""
        self._new_session(bool(self.live))
        return self.tag

    def live_time(self) -> float:
        """Seconds since the current live session began."""
        return self._clock() - self._origin

    def _new_session(self, live: bool) -> None:
        self.tag = StreamTag(self.tag.session + 1, 0)
        self.live = live
        self._origin = self._clock()
