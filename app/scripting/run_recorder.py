"""Counting what happened in a run, for the status bar, the run report and scripted runs.

Contract: ``RunRecorder(report, script, slot, privacy)`` keeps ``RunReport`` up to date (its
``privacy`` block from the capture's ``PrivacyLedger``), drives the ``ScriptedRun`` hooks and emits
the counts line for the status bar (``sig_counts``, also ``counts_text()``). ``follow(worker,
capture, answers)`` subscribes it to what it counts: processed frames (``FrameUpdate``), new
sessions, memory changes, capture counts and recorded answers. The window calls ``follow`` after
its own connections, so that Qt (which runs a signal's slots in the order they were connected)
updates the view first and a script's step (which may export frames or close the window) comes
last. What the window decides itself is told directly: the source it starts watching
(``watching``) and the errors it shows (``error``). No widgets here.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QObject, Signal, SignalInstance, Slot

from videoscan_core.capture.frame_slot import LatestFrameSlot

from ..features.privacy_ledger import PrivacyLedger
from .scripted_run import AnswerRecord, RunReport, ScriptedRun


class CountedWorker(Protocol):
    sig_frame: SignalInstance  # FrameUpdate
    sig_session_started: SignalInstance  # session number
    sig_memory: SignalInstance  # MemorySnapshot


class CountedCapture(Protocol):
    sig_counts: SignalInstance  # captured, skipped as unchanged


class RecordedAnswers(Protocol):
    sig_recorded: SignalInstance  # AnswerRecord


class RunRecorder(QObject):
    sig_counts = Signal(str)  # "captured N · processed N · unchanged N · dropped N"

    def __init__(
        self,
        report: RunReport,
        script: ScriptedRun,
        slot: LatestFrameSlot,
        privacy: PrivacyLedger,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.report = report
        self.script = script
        self.slot = slot
        self.privacy = privacy
        report.privacy_from(privacy)

    def follow(
        self, worker: CountedWorker, capture: CountedCapture, answers: RecordedAnswers
    ) -> None:
        worker.sig_frame.connect(self.frame)
        worker.sig_session_started.connect(self.session)
        worker.sig_memory.connect(self.memory)
        capture.sig_counts.connect(self.capture_counts)
        answers.sig_recorded.connect(self.answer)

    def watching(self, spec: str) -> None:
        self.report.watching(spec)

    @Slot(int, int)
    def capture_counts(self, captured: int, skipped: int) -> None:
        folded = skipped - self.report.frames_skipped_static
        self.report.frames_captured = captured
        self.report.frames_skipped_static = skipped
        self.sig_counts.emit(self.counts_text())
        if folded > 0:
            self.script.on_frames_folded(folded)

    @Slot(object)
    def frame(self, update) -> None:
        """A processed frame (a ``FrameUpdate``)."""
        carriers_retained = update.snapshot.carriers_retained
        self.privacy.processed(update.event.frame_index, update.event.timestamp, update.excluded)
        self.report.frame_processed()
        self.report.carriers_retained = carriers_retained
        self.sig_counts.emit(self.counts_text())
        self.script.on_frame_processed()

    @Slot(object)
    def memory(self, snapshot) -> None:
        """A ``MemorySnapshot`` between frames."""
        self.report.carriers_retained = snapshot.carriers_retained

    @Slot(int)
    def session(self, number: int) -> None:
        self.report.sessions += 1

    @Slot(object)
    def answer(self, record: AnswerRecord) -> None:
        """Kept in the report, then the script's step (which may end the run)."""
        self.report.answers.append(record)
        self.script.on_answer_recorded()

    def error(self, message: str) -> None:
        self.report.add_error(message)

    def counts_text(self) -> str:
        report = self.report
        report.frames_dropped = self.slot.dropped
        return (
            f"captured {report.frames_captured} · processed {report.frames_processed}"
            f" · unchanged {report.frames_skipped_static} · dropped {report.frames_dropped}"
        )
