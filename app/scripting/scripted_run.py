"""Scriptable runs of the real window: switch sources, ask in order, screenshot, report, exit.

Contract: ``ScriptPlan`` holds the ``videoscan-desktop`` flags; ``RunReport`` gathers what the
report JSON contains: frames_captured, frames_processed, frames_dropped, frames_skipped_static,
carriers_retained, answers (question, answer, ttft_ms, total_ms, evidence), errors (a count, with
the messages in error_messages), sessions (memories started), watched (per source: frames
processed while it was watched), peak_rss_mb, plus the source and model really used, and a
``privacy`` block (``privacy_ledger.py``: windows blacked out per frame, pauses and their
durations); with ``--export-frames DIR`` the remembered frames are written under DIR at the end
(``exported_frames`` names the folder).
``ScriptedRun`` switches to each ``then_sources`` entry after its ``switch_after_frames`` frames
were seen (processed, or folded as unchanged; at least one processed) or when a video ends, then
asks each question once ``ask_after_frames`` frames of the last source were seen the same way (or
it ended), each after the previous answer. A run that ends otherwise (a signal: ``interrupt()``; a
window closed before a ``--exit-after-answer`` script ended) writes its report at shutdown with
``error: "interrupted"``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Protocol

from .script_guard import export_frames, finish_outputs
from .startup_checks import say, write_report

if TYPE_CHECKING:
    from PySide6.QtGui import QPixmap

    from ..models.timeline import TimelineModel


@dataclass
class ScriptPlan:
    asks: list[str] = field(default_factory=list)
    ask_audio: str | None = None
    ask_after_frames: int = 3
    then_sources: list[str] = field(default_factory=list)
    switch_after_frames: list[int] = field(default_factory=list)  # the last one repeats
    screenshot: str | None = None
    exit_after_answer: bool = False
    report_json: str | None = None
    export_frames: str | None = None  # a folder: the remembered frames are written there

    @property
    def active(self) -> bool:
        return bool(
            self.asks
            or self.ask_audio
            or self.screenshot
            or self.report_json
            or self.then_sources
            or self.export_frames
        )

    def frames_before_switch(self, index: int) -> int:
        if not self.switch_after_frames:
            return self.ask_after_frames
        return self.switch_after_frames[min(index, len(self.switch_after_frames) - 1)]


@dataclass
class AnswerRecord:
    question: str
    answer: str
    ttft_ms: float
    total_ms: float
    evidence: list[float] = field(default_factory=list)  # stream times of the answer's evidence


@dataclass
class WatchedSource:
    source: str
    frames_processed: int = 0


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
    errors: int = 0
    error_messages: list[str] = field(default_factory=list)
    sessions: int = 0
    watched: list[WatchedSource] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    exported_frames: str = ""  # the folder --export-frames wrote
    privacy: dict = field(default_factory=dict)  # filled from the ledger when written

    def __post_init__(self) -> None:
        self._ledger = None  # a PrivacyLedger (not a field: asdict leaves it out)

    def privacy_from(self, ledger) -> None:
        """``to_dict`` takes the ``privacy`` block from this ``PrivacyLedger``."""
        self._ledger = ledger

    def to_dict(self) -> dict:
        if self._ledger is not None:
            self.privacy = self._ledger.report()
        return asdict(self)

    def add_error(self, message: str) -> None:
        self.errors += 1
        if len(self.error_messages) < 100:
            self.error_messages.append(message)

    def watching(self, source: str) -> None:
        self.source = source
        self.watched.append(WatchedSource(source))

    def frame_processed(self) -> None:
        self.frames_processed += 1
        if self.watched:
            self.watched[-1].frames_processed += 1


class AudioQuestions(Protocol):
    def transcribe_file(self, path: str) -> None: ...


class ScriptedWindow(Protocol):
    """What a scripted run drives and reads (``MainWindow``; tests pass stand-ins)."""

    report: RunReport
    timeline_model: TimelineModel
    voice: AudioQuestions

    def change_source(self, spec: str) -> None: ...

    def ask(self, question: str, source: str = "typed") -> int: ...

    def close(self) -> bool: ...

    def shutdown(self) -> None: ...

    def grab(self) -> QPixmap: ...


class ScriptedRun:
    """Drives a window through a ``ScriptPlan``. The window calls the ``on_*`` hooks from its own
    handlers; this calls ``window.change_source``, ``window.ask`` and ``window.close``."""

    def __init__(self, window: ScriptedWindow, plan: ScriptPlan) -> None:
        self.window = window
        self.plan = plan
        self.switches_done = 0
        self.frames_since_switch = 0  # processed since the last switch
        self.folded_since_switch = 0  # seen unchanged since the last switch
        self.asked = 0  # questions asked so far
        self.waiting = False  # a scripted question waits for its answer
        self.awaiting_audio = False
        self.source_ended = False
        self.finished = False
        self.interrupted = False  # stopped by SIGINT/SIGTERM before the script ended

    def start(self) -> None:
        if self.plan.ask_audio:
            self.awaiting_audio = True
            self.window.voice.transcribe_file(self.plan.ask_audio)

    # -- switching --------------------------------------------------------------------------
    def _seen(self, frames: int) -> bool:
        """At least ``frames`` seen since the last switch, one of them processed."""
        seen = self.frames_since_switch + self.folded_since_switch
        return self.frames_since_switch >= 1 and seen >= frames

    def _switches_left(self) -> bool:
        return self.switches_done < len(self.plan.then_sources)

    def _maybe_switch(self) -> None:
        if not self._switches_left():
            return
        due = self.plan.frames_before_switch(self.switches_done)
        if self._seen(due) or self.source_ended:
            source = self.plan.then_sources[self.switches_done]
            self.switches_done += 1
            self.frames_since_switch = self.folded_since_switch = 0
            self.source_ended = False
            self.window.change_source(source)

    # -- asking -----------------------------------------------------------------------------
    def _ready(self) -> bool:
        if self.awaiting_audio or self.waiting or self._switches_left():
            return False
        enough = self._seen(self.plan.ask_after_frames)  # a static screen is seen too
        return self.asked < len(self.plan.asks) and (enough or self.source_ended)

    def _maybe_ask(self) -> None:
        if self._ready():
            question = self.plan.asks[self.asked]
            spoken = self.plan.ask_audio and self.asked == 0
            self.asked += 1
            self.waiting = True
            self.window.ask(question, "voice" if spoken else "typed")

    def _step(self) -> None:
        self._maybe_switch()
        if self._switches_left():
            return
        if self.plan.asks or self.awaiting_audio:
            self._maybe_ask()
        elif self.plan.then_sources and (
            self._seen(self.plan.ask_after_frames) or self.source_ended
        ):
            self._finish()  # switches without questions end once the last source was watched

    def on_frame_processed(self) -> None:
        self.frames_since_switch += 1
        self._step()

    def on_frames_folded(self, count: int) -> None:
        self.folded_since_switch += count
        self._step()

    def on_source_ended(self) -> None:
        self.source_ended = True
        self._step()

    def on_transcript(self, text: str) -> bool:
        """Take a transcript meant for the script; False when it is the user's."""
        if not self.awaiting_audio:
            return False
        self.awaiting_audio = False
        self.plan.asks.insert(0, text)
        self._maybe_ask()
        return True

    def on_answer_recorded(self) -> None:
        if not self.waiting:
            return  # the user's own question
        self.waiting = False
        if self.asked < len(self.plan.asks):
            self._maybe_ask()
        else:
            self._finish()

    def _finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        window = self.window
        retained = window.timeline_model.retained
        if not finish_outputs(window, retained, window.report, self.plan, window.shutdown):
            return  # one line printed; a run with --exit-after-answer exits with code 1
        if self.plan.exit_after_answer:
            self.window.close()

    def _export_frames(self) -> str | None:
        return export_frames(self.window.timeline_model.retained, self.window.report, self.plan)

    def abandon(self) -> None:
        """End the run without its success report (a failure ended it); nothing is asked after
        this."""
        self.finished = True

    def interrupt(self) -> None:
        """A signal stops the run: its report says ``error: "interrupted"``."""
        self.interrupted = not self.finished

    def on_shutdown(self) -> None:
        """The report of a run that did not write it at its end (or failure), once."""
        if self.plan.exit_after_answer and self.finished:
            return
        if not self.plan.report_json:
            if self.plan.export_frames and not self.finished:
                self.finished = True
                problem = self._export_frames()
                if problem:
                    say(problem)
            return
        unfinished = self.plan.exit_after_answer and self.plan.active
        error = "interrupted" if self.interrupted or unfinished else None
        self.finished = True  # (shutdown may run twice)
        problem = self._export_frames()
        if problem:
            say(problem)
        problem = write_report(self.window.report, self.plan.report_json, error)
        if problem:
            say(problem)
