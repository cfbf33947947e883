"""The server's live source: one of the core's capture sources, paced in a thread of its own.

Contract: ``LiveSource(spec, sink, fps, speed)`` opens the ``videoscan_core.capture`` source for
``spec`` (``file:PATH``, ``screen[:N]``, ``region:X,Y,W,H``, ``window:TITLE``, ``webcam[:N]``,
``demo:N``: the app's sources, so screens and windows are captured through the privacy guard:
excluded windows are blacked out and capture pauses as the rules say) and calls
``sink(timestamp, rgb)`` about ``fps`` times a second (``rgb`` uint8 ``[H, W, 3]``); the sink
must return at once (the engine worker keeps only the newest frame). A file plays once on its own
time base at ``speed`` times real time; live sources are stamped with seconds since the start. A
tick the guard withholds offers nothing (``paused`` then says why). ``parse_source(spec)`` checks
a spec without opening anything (``VideoScanError`` with a one-line message). ``finished`` is set
when the source ends or fails (``error`` then says why); ``stop()`` ends it. ``status()`` is
``{"spec", "state", "frames", "reason"}`` for /health: state ``running``, ``paused`` (the guard
withholds frames; ``reason`` says why), ``ended`` (a file played to its end; ``reason`` names a
truncated file) or ``failed`` (``reason`` is the error). ``live_text(spec, wanted)`` is the
source's screen text reader (None for a webcam, the demo or when not wanted).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..capture import CaptureError, FrameSource, SourceSpec, Withheld, open_source
from ..capture.privacy.guard import GUARD
from ..errors import VideoScanError
from ..video import cv2_path

log = logging.getLogger("videoscan.serve")

Sink = Callable[[float, np.ndarray], None]


def live_text(spec: str, wanted: bool = True):
    """The screen text of source ``spec`` (``screen_text.live.LiveText``; not started), or None
    when it is not wanted or the kind of source is not read (a webcam, the demo)."""
    from ..screen_text.live import LiveText, reads

    return LiveText(spec) if wanted and reads(parse_source(spec).kind) else None


def parse_source(spec: str) -> SourceSpec:
    try:
        parsed = SourceSpec.parse(spec)
    except CaptureError as error:
        raise VideoScanError(f"--source {spec}: {error}") from None
    if parsed.kind == "file" and not Path(parsed.path).is_file():
        raise VideoScanError(f"--source {spec}: the video file does not exist")
    opened = {"file": parsed.path, "webcam": parsed.device}.get(parsed.kind, "0")
    if not opened.isdigit():
        cv2_path(opened)  # a name OpenCV would crash on: refused in words
    return parsed


class LiveSource:
    def __init__(
        self,
        spec: str,
        sink: Sink,
        fps: float = 1.0,
        speed: float = 1.0,
        opener: Callable[[SourceSpec], FrameSource] = open_source,
    ) -> None:
        if not fps > 0 or not speed > 0:
            raise VideoScanError("the live source needs fps > 0 and speed > 0")
        self.parsed = parse_source(spec)
        self.spec, self.sink, self.fps, self.speed = spec, sink, fps, speed
        self.opener = opener
        self.frames_offered = 0
        self.paused = ""  # why the last tick offered nothing ("" when it offered a frame)
        self.error: str | None = None
        self.ended_early: str | None = None  # a file that stopped before its end
        self.finished = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="videoscan-source", daemon=True)

    def start(self) -> LiveSource:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.ident is not None:
            self._thread.join(timeout)

    def status(self) -> dict:
        if self.error:
            state, reason = "failed", self.error
        elif self.finished.is_set():
            state, reason = "ended", self.ended_early or ""
        elif self.paused:
            state, reason = "paused", self.paused
        else:
            state, reason = "running", ""
        return {"spec": self.spec, "state": state, "frames": self.frames_offered, "reason": reason}

    def _run(self) -> None:
        source = None
        try:
            source = self.opener(self.parsed)
            self._paced(source)
        except Exception as error:  # report, do not kill the server
            self.error = f"{self.spec}: {error}"
            log.warning("live source stopped: %s", self.error)
        finally:
            if source is not None:
                source.close()
            GUARD.close()  # the window list of this thread
            self.finished.set()

    def _paced(self, source: FrameSource) -> None:
        """Tick ``k`` is read at ``k / rate`` seconds after the start: live sources at ``fps``,
        stamped with the time since the start; a file at ``fps * speed``, stamped ``k / fps``
        seconds of video."""
        rate = self.fps if source.live else self.fps * self.speed
        started = time.monotonic()
        tick = 0
        while not self._stop.is_set():
            now = time.monotonic() - started
            frame = source.read(now if source.live else tick / self.fps)
            if frame is None:  # a file ended
                self.ended_early = getattr(source, "stopped_early", None)
                if self.ended_early:
                    log.warning("live source: %s", self.ended_early)
                return
            if isinstance(frame, Withheld):
                self.paused = frame.reason
            else:
                self.paused = ""
                self.sink(now if source.live else tick / self.fps, frame)
                self.frames_offered += 1
            tick += 1
            self._stop.wait(max(0.0, started + tick / rate - time.monotonic()))
