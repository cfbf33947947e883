"""Counting what happened in a run, for the status bar, the run report and scripted runs.

Contract: ``RunRecorder(report, script, slot, privacy)`` is told about capture counts, processed
frames (``FrameUpdate``), new sessions, answers and errors, keeps ``RunReport`` up to date (its
``privacy`` block from the capture's ``PrivacyLedger``), drives the ``ScriptedRun`` hooks and
returns the counts line for the status bar (``counts_text``). No widgets here.
"""

from __future__ import annotations

from videoscan_core.capture.frame_slot import LatestFrameSlot

from ..features.privacy_ledger import PrivacyLedger
from .scripted_run import AnswerRecord, RunReport, ScriptedRun


class RunRecorder:
    def __init__(
        self, report: RunReport, script: ScriptedRun, slot: LatestFrameSlot, privacy: PrivacyLedger
    ) -> None:
        self.report = report
        self.script = script
        self.slot = slot
        self.privacy = privacy
        report.privacy_from(privacy)

    def watching(self, spec: str) -> None:
        self.report.watching(spec)

    def capture_counts(self, captured: int, skipped: int) -> None:
        folded = skipped - self.report.frames_skipped_static
        self.report.frames_captured = captured
        self.report.frames_skipped_static = skipped
        if folded > 0:
            self.script.on_frames_folded(folded)

    def frame(self, update) -> None:
        """A processed frame (a ``FrameUpdate``)."""
        carriers_retained = update.snapshot.carriers_retained
        self.privacy.processed(update.event.frame_index, update.event.timestamp, update.excluded)
        self.report.frame_processed()
        self.report.carriers_retained = carriers_retained
        self.script.on_frame_processed()

    def memory(self, carriers_retained: int) -> None:
        self.report.carriers_retained = carriers_retained

    def session(self) -> None:
        self.report.sessions += 1

    def answer(self, record: AnswerRecord) -> None:
        self.report.answers.append(record)

    def error(self, message: str) -> None:
        self.report.add_error(message)

    def counts_text(self) -> str:
        report = self.report
        report.frames_dropped = self.slot.dropped
        return (
            f"captured {report.frames_captured} · processed {report.frames_processed}"
            f" · unchanged {report.frames_skipped_static} · dropped {report.frames_dropped}"
        )
