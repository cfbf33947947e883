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
