"""The server's own live source: a file played in real time, a screen or a webcam.

Contract: ``LiveSource(spec, sink, fps, speed)`` runs a thread that calls ``sink(timestamp, rgb)``
about ``fps`` times a second (``rgb`` uint8 ``[H, W, 3]``); the sink must return at once (the
engine worker keeps only the newest frame). ``spec`` is ``file:PATH`` (the video's own
timestamps, paced at ``speed`` times real time, played once), ``screen`` / ``screen:N`` (monitor N
through mss, 1 = the first) or ``webcam`` / ``webcam:N`` (OpenCV device N). ``parse_source(spec)``
checks a spec without opening anything (``VideoScanError`` with a one-line message).
``finished`` is set when the source ends or fails (``error`` then says why); ``stop()`` ends it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import VideoScanError

log = logging.getLogger("videoscan.serve")

Sink = Callable[[float, np.ndarray], None]


def parse_source(spec: str) -> tuple[str, str]:
    kind, _, arg = spec.partition(":")
    if kind == "file":
        if not arg or not Path(arg).is_file():
            raise VideoScanError(f"--source {spec}: the video file does not exist")
        return kind, arg
    if kind in ("screen", "webcam"):
        if arg and not arg.isdigit():
            raise VideoScanError(f"--source {spec}: expected {kind}:N with a number N")
        return kind, arg or ("1" if kind == "screen" else "0")
    raise VideoScanError(f"--source {spec}: use file:PATH, screen[:N] or webcam[:N]")


class LiveSource:
    def __init__(self, spec: str, sink: Sink, fps: float = 1.0, speed: float = 1.0) -> None:
        if not fps > 0 or not speed > 0:
            raise VideoScanError("the live source needs fps > 0 and speed > 0")
        self.kind, self.arg = parse_source(spec)
        self.spec, self.sink, self.fps, self.speed = spec, sink, fps, speed
        self.frames_offered = 0
        self.error: str | None = None
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

    def _offer(self, timestamp: float, frame: np.ndarray) -> None:
        self.sink(timestamp, frame)
        self.frames_offered += 1

    def _run(self) -> None:
        try:
            {"file": self._file, "screen": self._screen, "webcam": self._webcam}[self.kind]()
        except Exception as error:  # report, do not kill the server
            self.error = f"{self.spec}: {error}"
            log.warning("live source stopped: %s", self.error)
        finally:
            self.finished.set()

    def _file(self) -> None:
        from ..video import sample_frames

        started = time.monotonic()
        for timestamp, frame in sample_frames(self.arg, self.fps):
            if self._stop.wait(max(0.0, started + timestamp / self.speed - time.monotonic())):
                return
            self._offer(timestamp, frame)

    def _paced(self, grab: Callable[[], np.ndarray | None]) -> None:
        started = time.monotonic()
        count = 0
        while not self._stop.is_set():
            frame = grab()
            if frame is not None:
                self._offer(time.monotonic() - started, frame)
            count += 1
            self._stop.wait(max(0.0, started + count / self.fps - time.monotonic()))

    def _screen(self) -> None:
        import mss

        with mss.MSS() if hasattr(mss, "MSS") else mss.mss() as grabber:
            monitors = grabber.monitors
            index = int(self.arg)
            if not 1 <= index < len(monitors):
                raise VideoScanError(f"there is no screen {index} (found {len(monitors) - 1})")

            def grab() -> np.ndarray:
                shot = np.asarray(grabber.grab(monitors[index]))  # [H, W, 4] BGRA
                return np.ascontiguousarray(shot[:, :, 2::-1])

            self._paced(grab)

    def _webcam(self) -> None:
        from ..video import import_cv2

        cv2 = import_cv2()
        capture = cv2.VideoCapture(int(self.arg))
        if not capture.isOpened():
            raise VideoScanError(f"webcam {self.arg} cannot be opened")
        try:

            def grab() -> np.ndarray | None:
                ok, frame = capture.read()
                return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if ok else None

            self._paced(grab)
        finally:
            capture.release()
