"""Paced capture in its own thread: source -> change check -> the latest-frame slot.

Contract: ``CaptureController`` is a QObject moved to a capture QThread (``start_thread``).
Its slots are called through queued signals from the GUI: ``start(spec)`` opens the source in the
capture thread, then a timer reads one frame every ``1/fps`` seconds (files: every
``1/(fps*speed)`` seconds of wall time, stamped with video time; live sources are stamped with
the live session's clock, shared across live sources, see ``sessions.py``). Each frame carries its
session tag. ``new_memory()`` starts a new session (``sig_session``). Frames that differ from the
last accepted one go to the slot; unchanged ones become ``put_static`` marks. Signals report
previews (small QImages, at most 5 per second), counts, errors (with a message for people; a source
that does not open is ``sig_open_failed`` and the one watched goes on where it was) and the
end of a file. A slot that keeps every frame (``--every-frame``) makes a tick wait while its last
frame is pending, so a file is processed frame by frame at any machine speed. Nothing is written
to disk. ``privacy`` (a ``PrivacyLedger``) learns each tick the privacy guard withheld (and
why) and each frame carries the number of windows it blacked out.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QMetaObject, QObject, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtGui import QImage

from videoscan_core.capture.base import CaptureError, FrameSource, SourceSpec, Withheld
from videoscan_core.capture.change_detector import ChangeDetector
from videoscan_core.capture.frame_slot import CapturedFrame, LatestFrameSlot
from videoscan_core.capture.privacy.guard import GUARD
from videoscan_core.capture.sessions import CaptureSessions, StreamTag
from videoscan_core.capture.sources import open_source

from ..features.privacy_ledger import PrivacyLedger

PREVIEW_WIDTH = 320
PREVIEW_INTERVAL_S = 0.2


def to_qimage(rgb: np.ndarray, width: int) -> QImage:
    """A scaled copy of an RGB frame as a QImage (safe to send across threads)."""
    rgb = np.ascontiguousarray(rgb)
    height, full_width = rgb.shape[:2]
    image = QImage(rgb.data, full_width, height, 3 * full_width, QImage.Format.Format_RGB888)
    scaled = image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
    return scaled.copy()


class CaptureController(QObject):
    sig_started = Signal(str)  # source label
    sig_preview = Signal(QImage, float)  # small preview, timestamp
    sig_counts = Signal(int, int)  # frames captured, frames skipped as static
    sig_error = Signal(str)  # the source being watched failed (it stopped)
    sig_open_failed = Signal(str, bool)  # a source did not open; the current one still runs
    sig_ended = Signal()  # a file source reached its end
    sig_stopped = Signal()
    sig_session = Signal(int)  # a new session was started by new_memory()

    def __init__(
        self,
        slot: LatestFrameSlot,
        fps: float = 1.0,
        threshold: float = 0.01,
        speed: float = 1.0,
        source_factory=open_source,
    ) -> None:
        super().__init__()
        self.slot = slot
        self.fps = fps
        self.speed = speed
        self.detector = ChangeDetector(threshold)
        self.source_factory = source_factory
        self.source: FrameSource | None = None
        self.sessions = CaptureSessions()
        self.tag = StreamTag(0, 0)
        self.captured = 0
        self.skipped_static = 0
        self.paused = False
        self.privacy = PrivacyLedger()  # what the privacy guard did (the run report)
        self._timer: QTimer | None = None
        self._ticks = 0
        self._last_preview = 0.0
        self._thread: QThread | None = None
        # called for every frame taken (None when unchanged), after the privacy guard and the
        # change detector: (frame, timestamp, changed regions, tag, source kind); app/screen_text
        self.text_sink = None
        self._kind = ""

    # -- thread management (GUI side) -------------------------------------------------------
    def start_thread(self) -> QThread:
        thread = QThread()
        thread.setObjectName("capture")
        self.moveToThread(thread)
        thread.start()
        self._thread = thread
        return thread

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Stop capturing and end the thread; called from the GUI thread."""
        if self._thread is None:
            return True
        QMetaObject.invokeMethod(self, "stop", Qt.ConnectionType.BlockingQueuedConnection)
        self._thread.quit()
        finished = self._thread.wait(timeout_ms)
        self._thread = None
        return finished

    # -- slots (capture thread) -------------------------------------------------------------
    @Slot(str)
    def start(self, spec_text: str) -> None:
        """Open ``spec_text``, then stop the current source: one that fails to open leaves the
        current source running where it was (``sig_open_failed``)."""
        try:
            spec = SourceSpec.parse(spec_text)
            source = self.source_factory(spec)
        except CaptureError as error:
            self.sig_open_failed.emit(str(error), self.source is not None)
            return
        self.stop()
        self.source = source
        self.detector.reset()
        self._kind = spec.kind
        self.tag = self.sessions.begin_source(self.source.live)
        self._ticks = 0
        if self._timer is None:
            self._timer = QTimer(self)
            self._timer.setTimerType(Qt.TimerType.PreciseTimer)
            self._timer.timeout.connect(self._on_tick)
        self._timer.start(self._interval_ms())
        self.sig_started.emit(spec.label)
        self._on_tick()  # the first frame right away

    @Slot()
    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        if self.source is not None:
            self.source.close()
            self.source = None
            self.sig_stopped.emit()

    @Slot()
    def new_memory(self) -> None:
        """Start a new session: the worker forgets the memory; live time restarts at 0."""
        self.tag = self.sessions.new_memory()
        self.detector.reset()  # the next frame is streamed, not folded into the old memory
        self.sig_session.emit(self.tag.session)

    @Slot(bool)
    def set_paused(self, paused: bool) -> None:
        self.paused = paused

    @Slot(float)
    def set_fps(self, fps: float) -> None:
        self.fps = fps
        if self._timer is not None and self._timer.isActive():
            self._timer.start(self._interval_ms())

    @Slot(float)
    def set_threshold(self, threshold: float) -> None:
        self.detector.threshold = threshold

    def _interval_ms(self) -> int:
        live = self.source is None or self.source.live
        rate = self.fps if live else self.fps * self.speed
        return max(1, round(1000 / rate))

    def _on_tick(self) -> None:
        if self.source is None or self.paused or not self.slot.wants_frame():
            return  # (a file's clock waits too: its next frame keeps its own time)
        if self.source.live:
            timestamp = self.sessions.live_time()
        else:
            timestamp = self._ticks / self.fps
        before = GUARD.status  # a guarded source (screen, window) leaves a new status
        try:
            frame = self.source.read(timestamp)
        except CaptureError as error:
            self.stop()
            self.sig_error.emit(str(error))
            return
        if frame is None:
            stopped_early = getattr(self.source, "stopped_early", None)  # a truncated file
            self.stop()
            if stopped_early:
                self.sig_error.emit(stopped_early)
            self.sig_ended.emit()
            return
        status = GUARD.status if GUARD.status is not before else None
        if isinstance(frame, Withheld):  # privacy pause: nothing captured (capture.privacy.guard)
            self.privacy.withheld(frame.reason, status.kind if status else "source")
            return
        self.privacy.captured()
        excluded = status.excluded if status else 0
        self._ticks += 1
        self.captured += 1
        static = self.detector.is_static(frame)
        if static:
            self.skipped_static += 1
            self.slot.put_static(timestamp, self.tag)
        else:
            self.slot.put(CapturedFrame(frame, timestamp, self.captured, self.tag, excluded))
        if self.text_sink is not None:  # never blocks (newest frame wins)
            regions = self.detector.last_regions
            self.text_sink(None if static else frame, timestamp, regions, self.tag, self._kind)
        self.sig_counts.emit(self.captured, self.skipped_static)
        now = time.monotonic()
        if now - self._last_preview >= PREVIEW_INTERVAL_S:
            self._last_preview = now
            self.sig_preview.emit(to_qimage(frame, PREVIEW_WIDTH), timestamp)
