"""The conversation as data: questions, streamed answers, latencies; export to Markdown/JSON.

Contract: plain Python (no Qt). ``Conversation.start(id, question)``, ``append(id, text)`` and
``finish(id, answer, ttft_ms, total_ms, stop_reason, evidence, evidence_frames)`` follow the
worker's answer signals (evidence: the stream times and frame indices the answer attended to
most). ``Exchange.shown_answer`` is what people read: a bare option letter comes with its option's
text ("B (green)").
``to_markdown()`` and ``to_json()`` give the exports; ``unsaved`` counts the answers finished since
the last ``mark_saved()`` (an export) or ``clear()``, so nothing is lost without asking; alerts
(``source="alert"``) are exported as alerts and are not counted there.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field

from videoscan_core.eval.answer_text import with_option_text


@dataclass
class Exchange:
    answer_id: int
    question: str
    answer: str = ""
    asked_at: float = field(default_factory=time.time)  # wall clock, seconds since the epoch
    ttft_ms: float | None = None
    total_ms: float | None = None
    stop_reason: str = ""
    finished: bool = False
    source: str = "typed"  # "typed", "voice" or "alert" (raised by a watched condition)
    evidence: list[float] = field(default_factory=list)  # stream times, heaviest first
    evidence_frames: list[int] = field(default_factory=list)  # their frame indices
    # screen text shown with the question: [{text, first_seen, last_seen}] (stream times)
    evidence_text: list[dict] = field(default_factory=list)

    @property
    def shown_answer(self) -> str:
        return with_option_text(self.question, self.answer) if self.finished else self.answer


def clock_parts(seconds: float) -> tuple[int, int, int]:
    """Hours, minutes and seconds of a time in the stream (rounded to the second, >= 0)."""
    hours, rest = divmod(max(0, int(round(seconds))), 3600)
    return (hours, *divmod(rest, 60))


def stream_clock(seconds: float) -> str:
    """'0:20', '1:02:03': a time in the stream, as the timeline shows it."""
    hours, minutes, secs = clock_parts(seconds)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_duration(ms: float) -> str:
    """'85 ms' under a second, '2.4 s' above: what a person reads at a glance."""
    return f"{ms:.0f} ms" if ms < 999.5 else f"{ms / 1000:.1f} s"


class Conversation:
    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self.unsaved = 0  # answers finished since the last export (or clear)

    def start(self, answer_id: int, question: str, source: str = "typed") -> Exchange:
        exchange = Exchange(answer_id, question, source=source)
        self.exchanges.append(exchange)
        return exchange

    def find(self, answer_id: int) -> Exchange | None:
        for exchange in reversed(self.exchanges):
            if exchange.answer_id == answer_id:
                return exchange
        return None

    def append(self, answer_id: int, text: str) -> None:
        exchange = self.find(answer_id)
        if exchange is not None:
            exchange.answer += text

    def finish(
        self,
        answer_id: int,
        answer: str,
        ttft_ms: float,
        total_ms: float,
        stop_reason: str,
        evidence=(),
        evidence_frames=(),
        evidence_text=(),
    ) -> None:
        exchange = self.find(answer_id)
        if exchange is None:
            return
        exchange.answer = answer
        exchange.evidence = [float(t) for t in evidence]
        exchange.evidence_frames = [int(i) for i in evidence_frames]
        exchange.evidence_text = [dict(row) for row in evidence_text]
        exchange.ttft_ms, exchange.total_ms = ttft_ms, total_ms
        exchange.stop_reason, exchange.finished = stop_reason, True
        if answer.strip() and exchange.source != "alert":  # (an alert is not an answer)
            self.unsaved += 1

    def fail(self, answer_id: int, message: str) -> None:
        exchange = self.find(answer_id)
        if exchange is not None and not exchange.finished:
            exchange.stop_reason, exchange.finished = "error", True
            if exchange.answer.strip():  # a partial answer is worth keeping
                self.unsaved += 1
            exchange.answer = exchange.answer or f"({message})"

    def clear(self) -> None:
        self.exchanges.clear()
        self.unsaved = 0

    def mark_saved(self) -> None:
        self.unsaved = 0

    @property
    def unsaved_or_streaming(self) -> int:
        """Unsaved answers, plus one being written that already has text."""
        streaming = any(not e.finished and e.answer.strip() for e in self.exchanges)
        return self.unsaved + int(streaming)

    def to_markdown(self) -> str:
        lines = ["# VideoScan conversation", ""]
        for exchange in self.exchanges:
            asked = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(exchange.asked_at))
            if exchange.source == "alert":  # a watched condition came true, nobody asked
                condition = exchange.question.removeprefix("Alert: ")
                lines += [f"**Alert** ({asked}): {condition}. {exchange.answer}", ""]
                continue
            lines += [
                f"**Q** ({asked}): {exchange.question}",
                "",
                f"**A**: {exchange.shown_answer}",
            ]
            if exchange.ttft_ms is not None:
                lines.append(
                    f"_first token {format_duration(exchange.ttft_ms)}, "
                    f"total {format_duration(exchange.total_ms)}_"
                )
            if exchange.evidence:
                seen = ", ".join(stream_clock(t) for t in exchange.evidence)
                lines.append(f"_seen at {seen} (stream time)_")
            for row in exchange.evidence_text:
                shown = " / ".join(row["text"].splitlines())
                lines.append(f"_read on screen at {stream_clock(row['first_seen'])}: {shown}_")
            lines.append("")
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps([asdict(exchange) for exchange in self.exchanges], indent=2)
