"""The reading thread: OCR beside capture, at low priority, newest changed frame first.

Contract: ``ScreenTextReader(memory, engine=None)``; ``start()`` runs a daemon thread at lower
priority (``lower_priority``). ``offer(frame, t, changed, session, source)`` never blocks: the
frame (RGB ``[H, W, 3]``, already blacked out by the privacy guard) waits in a one-frame slot; a
newer frame replaces a waiting one (counted in ``stats().skipped``) and the changed regions of
both are read in the newer one (``changed=None``: the whole frame). ``offer_static(t, session)``:
an unchanged frame (the lines on screen are seen at ``t``, after any waiting frame is read).
``wait_idle(timeout)`` is True once everything offered is in the memory (tests, the CLI).
``stop()`` ends the thread. When OCR fails (``ScreenTextError``) the reader stops reading for
good, keeps the one-line reason in ``stats().error`` and calls ``on_error(message)`` once (from
its thread); everything else goes on without screen text.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from dataclasses import dataclass

import numpy as np

from .memory import TextMemory
from .ocr import OcrEngine, ScreenTextError
from .reading import read_frame

log = logging.getLogger("videoscan")
Changed = list[tuple[int, int, int, int]] | None


@dataclass(frozen=True)
class ReaderStats:
    read: int = 0  # frames read
    skipped: int = 0  # changed frames replaced by a newer one before they were read
    lines: int = 0  # lines in the memory
    bytes: int = 0
    ocr_s: float = 0.0  # time spent reading, in total
    last_ms: float = 0.0  # the last frame's reading time
    uncertain: int = 0  # lines detected but not read with enough confidence
    error: str | None = None


@dataclass
class _Pending:
    frame: np.ndarray
    timestamp: float
    changed: Changed
    session: str
    source: str


def lower_priority() -> None:
    """Make the calling thread yield to capture, the model and the GUI (best effort)."""
    try:
        if sys.platform.startswith("linux"):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)  # this thread only
        elif sys.platform == "win32":
            import ctypes

            kernel32 = ctypes.windll.kernel32  # THREAD_PRIORITY_BELOW_NORMAL = -1
            kernel32.SetThreadPriority(kernel32.GetCurrentThread(), -1)
        elif sys.platform == "darwin":
            import ctypes

            libc = ctypes.CDLL("/usr/lib/libSystem.dylib")
            libc.pthread_set_qos_class_self_np(0x11, 0)  # QOS_CLASS_UTILITY
    except Exception as error:  # a platform without the call: read at normal priority
        log.debug("screen text: priority unchanged (%s)", error)


def _union(a: Changed, b: Changed) -> Changed:
    return None if a is None or b is None else [*a, *b]


class ScreenTextReader:
    def __init__(self, memory: TextMemory, engine: OcrEngine | None = None, on_error=None) -> None:
        self.memory = memory
        self.engine = engine or OcrEngine()
        self.on_error = on_error
        self._condition = threading.Condition()
        self._pending: _Pending | None = None
        self._static: tuple[float, str] | None = None
        self._busy = False
        self._running = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self._read = self._skipped = self._uncertain = 0
        self._size = memory.size()  # (lines, bytes) after the last frame read
        self._ocr_s = self._last_ms = 0.0
        self._error: str | None = None

    def start(self) -> None:
        """Start the thread (once; never again after ``stop``)."""
        with self._condition:
            if self._thread is not None or self._closed:
                return
            self._running = True
            self._thread = threading.Thread(target=self._run, name="screen-text", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> bool:
        with self._condition:
            self._running = False
            self._closed = True
            self._pending = None
            self._condition.notify_all()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    @property
    def failed(self) -> bool:
        return self._error is not None

    def offer(
        self,
        frame: np.ndarray,
        timestamp: float,
        changed: Changed = None,
        session: str = "0",
        source: str = "",
    ) -> None:
        with self._condition:
            if self._error is not None:
                return
            waiting = self._pending
            if waiting is not None:
                self._skipped += 1
                if waiting.session == session:
                    changed = _union(waiting.changed, changed)
            self._pending = _Pending(frame, timestamp, changed, session, source)
            self._static = None
            self._condition.notify_all()

    def offer_static(self, timestamp: float, session: str = "0") -> None:
        with self._condition:
            if self._error is None:
                self._static = (timestamp, session)
                self._condition.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        with self._condition:
            return self._condition.wait_for(
                lambda: (
                    self._error is not None
                    or (self._pending is None and self._static is None and not self._busy)
                ),
                timeout,
            )

    def stats(self) -> ReaderStats:
        """Counters kept by the reader itself: never waits for the memory (the GUI calls it)."""
        with self._condition:
            return ReaderStats(
                self._read,
                self._skipped,
                *self._size,
                round(self._ocr_s, 3),
                round(self._last_ms, 1),
                self._uncertain,
                self._error,
            )

    def _run(self) -> None:
        lower_priority()
        try:
            self.engine.warm_up()  # before the first frame, not during it
        except ScreenTextError as error:
            self._fail(str(error))
        except Exception as error:
            self._fail(f"screen text is off: {type(error).__name__}: {error}")
        while True:
            with self._condition:
                self._condition.wait_for(lambda: not self._running or self._pending or self._static)
                if not self._running:
                    return
                job, self._pending = self._pending, None
                static = self._static if job is None else None
                if static is not None:
                    self._static = None
                self._busy = True
            try:
                if job is not None:
                    self._read_one(job)
                elif static is not None:
                    self.memory.touch(*static)
            finally:
                with self._condition:
                    self._busy = False
                    self._condition.notify_all()

    def _read_one(self, job: _Pending) -> None:
        started = time.perf_counter()
        try:
            reading = read_frame(self.engine, job.frame, job.changed)
        except ScreenTextError as error:
            self._fail(str(error))
            return
        except Exception as error:  # a bug in reading must not take the app down
            log.exception("screen text: reading failed")
            self._fail(f"screen text stopped: {type(error).__name__}: {error}")
            return
        self.memory.observe(reading, job.timestamp, job.session, job.source)
        size = self.memory.size()
        with self._condition:
            self._size = size
            self._read += 1
            self._uncertain += reading.uncertain
            self._last_ms = (time.perf_counter() - started) * 1000
            self._ocr_s += self._last_ms / 1000

    def _fail(self, message: str) -> None:
        log.warning("%s", message)
        if self.on_error is not None:  # first, so whoever wait_idle() wakes sees it delivered
            self.on_error(message)
        with self._condition:
            self._error = message
            self._pending = self._static = None
            self._condition.notify_all()  # wait_idle() ends now, not at its timeout
