"""Scriptable runs of the real window: ask after K frames, screenshot, report, exit.

Contract: ``ScriptPlan`` holds the ``videoscan-desktop`` flags; ``RunReport`` gathers what the
report JSON contains: frames_captured, frames_processed, frames_dropped, frames_skipped_static,
carriers_retained, answers (question, answer, ttft_ms), peak_rss_mb (plus the source and model).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from videoscan_core.resources import peak_rss_mb


@dataclass
class ScriptPlan:
    ask: str | None = None
    ask_audio: str | None = None
    ask_after_frames: int = 3
    screenshot: str | None = None
    exit_after_answer: bool = False
    report_json: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.ask or self.ask_audio or self.screenshot or self.report_json)


@dataclass
class AnswerRecord:
    question: str
    answer: str
    ttft_ms: float
    total_ms: float


@dataclass
class RunReport:
    source: str = ""
    model: str = ""
    frames_captured: int = 0
    frames_processed: int = 0
    frames_dropped: int = 0
    frames_skipped_static: int = 0
    carriers_retained: int = 0
    answers: list[AnswerRecord] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    peak_rss_mb: float = 0.0

    def write(self, path: str | Path) -> Path:
        self.peak_rss_mb = round(peak_rss_mb(), 1)
        path = Path(path)
        path.write_text(json.dumps(asdict(self), indent=2))
        return path


class ScriptedRun:
    """Drives a window through a ``ScriptPlan``: ask once enough frames were processed (or the
    video ended), transcribe ``ask_audio`` first, then screenshot, report and exit after the
    answer. The window calls the ``on_*`` hooks from its own handlers."""

    def __init__(self, window, plan: ScriptPlan) -> None:
        self.window = window
        self.plan = plan
        self.asked = False
        self.awaiting_audio = False
        self.source_ended = False

    def start(self) -> None:
        if self.plan.ask_audio:
            self.awaiting_audio = True
            self.window.voice.transcribe_file(self.plan.ask_audio)

    def _ready(self) -> bool:
        enough = self.window.report.frames_processed >= self.plan.ask_after_frames
        return bool(self.plan.ask) and not self.asked and (enough or self.source_ended)

    def _maybe_ask(self) -> None:
        if self._ready():
            self.asked = True
            self.window.ask(self.plan.ask, "voice" if self.plan.ask_audio else "typed")

    def on_frame_processed(self) -> None:
        self._maybe_ask()

    def on_source_ended(self) -> None:
        self.source_ended = True
        self._maybe_ask()

    def on_transcript(self, text: str) -> bool:
        """Take a transcript meant for the script; False when it is the user's."""
        if not self.awaiting_audio:
            return False
        self.awaiting_audio = False
        self.plan.ask = text
        self._maybe_ask()
        return True

    def on_answer_recorded(self) -> None:
        if not (self.plan.active and self.asked):
            return
        if self.plan.screenshot:
            self.window.grab().save(self.plan.screenshot)
        if self.plan.report_json:
            self.window.report.write(self.plan.report_json)
        if self.plan.exit_after_answer:
            self.window.close()

    def on_shutdown(self) -> None:
        if self.plan.report_json and not self.plan.exit_after_answer:
            self.window.report.write(self.plan.report_json)
