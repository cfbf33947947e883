"""What the privacy rules did during a run: the ``privacy`` block of the run report.

Contract: plain Python, thread-safe. The capture thread calls ``withheld(reason, kind)`` for a
tick that gave no frame (kind "privacy": a pause rule, the lock, idle or the window list; kind
"source": a followed window minimised or closed) and ``captured()`` when a frame left the source
again (that ends the pause). The GUI thread calls ``processed(frame_index, time, windows)`` for
each frame the model remembered, with the number of windows blacked out in it. ``report()`` is the
block: ``frames`` (per processed frame, at most ``MAX_FRAMES``: frame index, stream time,
windows blacked out), ``frames_with_windows_blacked_out``, and ``pauses`` (reason, kind, seconds,
ticks withheld, and ``ongoing`` for one still running), so a run's exclusions and pauses can be
checked without a dialog (with ``--export-frames``, frame indices match the exported files).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

MAX_FRAMES = 10_000


class PrivacyLedger:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._frames: list[dict] = []
        self._blacked_out = 0
        self._pauses: list[dict] = []
        self._pause_started: float | None = None  # the running pause (the last in _pauses)

    def withheld(self, reason: str, kind: str) -> None:
        with self._lock:
            now = self._clock()
            running = self._pauses[-1] if self._pause_started is not None else None
            if running is not None and (running["reason"], running["kind"]) == (reason, kind):
                running["ticks"] += 1
                return
            self._close(now)
            self._pauses.append({"reason": reason, "kind": kind, "seconds": 0.0, "ticks": 1})
            self._pause_started = now

    def captured(self) -> None:
        with self._lock:
            self._close(self._clock())

    def _close(self, now: float) -> None:
        if self._pause_started is not None:
            self._pauses[-1]["seconds"] = round(now - self._pause_started, 2)
            self._pause_started = None

    def processed(self, frame_index: int, timestamp: float, windows: int) -> None:
        with self._lock:
            self._blacked_out += int(windows > 0)
            if len(self._frames) < MAX_FRAMES:
                self._frames.append(
                    {"frame_index": frame_index, "time": round(timestamp, 2), "windows": windows}
                )

    def report(self) -> dict:
        with self._lock:
            pauses = [dict(pause) for pause in self._pauses]
            if self._pause_started is not None:
                pauses[-1]["seconds"] = round(self._clock() - self._pause_started, 2)
                pauses[-1]["ongoing"] = True
            return {
                "frames": [dict(frame) for frame in self._frames],
                "frames_with_windows_blacked_out": self._blacked_out,
                "pauses": pauses,
            }
