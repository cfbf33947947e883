"""The conversation's one owner: questions asked and the worker's answer signals, applied in
order to one ``Conversation``.

Contract: ``AnswerRouter(conversation, chat, timeline)`` is the only code that changes the
conversation while the app runs: ``queued`` when a question is sent (the exchange is created once,
here), then the worker's ``waiting`` (a note shown until it starts) / ``started`` / ``delta`` /
``finished`` / ``failed`` for that answer id; the chat pane's ``sig_cleared`` (New conversation)
and ``sig_exported`` (saved: nothing unsaved) arrive here too, connected by the router itself.
After each change the chat pane renders; a finished answer keeps the pictures of its evidence
(the chat's ``EvidenceShelf``, with the timeline's memory number), outlines it on the timeline and
is announced as an ``AnswerRecord`` (``sig_recorded``) for the run report and scripts. ``alert``
adds an alert (a watched condition that came true) the same way, as an alert, not an answer.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from videoscan_core.events import AnswerChunk
from videoscan_core.screen_text.report import seen_rows

from ..models.conversation import Conversation
from ..scripting.scripted_run import AnswerRecord


class AnswerRouter(QObject):
    sig_recorded = Signal(object)  # AnswerRecord

    def __init__(self, conversation: Conversation, chat, timeline, parent=None) -> None:
        super().__init__(parent)
        self.conversation = conversation
        self.chat = chat
        self.timeline = timeline
        chat.sig_cleared.connect(self.cleared)
        chat.sig_exported.connect(self.exported)

    def queued(self, answer_id: int, question: str, source: str = "typed") -> None:
        self.conversation.start(answer_id, question, source)
        self.chat.refresh()

    @Slot()
    def cleared(self) -> None:
        """New conversation: every exchange and its note go; nothing is left unsaved."""
        self.conversation.clear()
        self.chat.notes.clear()
        self.chat.refresh()

    @Slot(str)
    def exported(self, path: str) -> None:
        self.conversation.mark_saved()

    @Slot(int, str)
    def waiting(self, answer_id: int, note: str) -> None:
        """The question waits (for a first frame): the chat says why under it."""
        self.chat.notes[answer_id] = note
        self.chat.refresh()

    @Slot(int, str)
    def started(self, answer_id: int, question: str) -> None:
        self.chat.notes.pop(answer_id, None)
        if self.conversation.find(answer_id) is None:  # asked without queued() (tests, tools)
            self.conversation.start(answer_id, question)
        self.chat.refresh()

    @Slot(int, str)
    def delta(self, answer_id: int, text: str) -> None:
        self.conversation.append(answer_id, text)
        self.chat.refresh()

    @Slot(int, object)
    def finished(self, answer_id: int, chunk: AnswerChunk) -> None:
        evidence, frames = tuple(chunk.evidence), tuple(chunk.evidence_frames)
        self._keep_evidence(answer_id, frames)
        self.conversation.finish(
            answer_id,
            chunk.answer,
            chunk.ttft_ms,
            chunk.total_ms,
            chunk.stop_reason,
            evidence,
            frames,
            seen_rows(chunk.evidence_text),
        )
        self.chat.refresh()
        self.timeline.set_highlight(frames)  # the newest answer's evidence
        exchange = self.conversation.find(answer_id)
        record = AnswerRecord(
            exchange.question if exchange else "",
            chunk.answer,
            round(chunk.ttft_ms, 1),
            round(chunk.total_ms, 1),
            [round(float(t), 2) for t in evidence],
        )
        self.sig_recorded.emit(record)

    def alert(self, answer_id: int, condition: str, text: str, time: float, frame: int) -> None:
        """A watched condition came true at stream ``time`` (frame index ``frame``)."""
        self.conversation.start(answer_id, f"Alert: {condition}", source="alert")
        self._keep_evidence(answer_id, (frame,))
        self.conversation.finish(
            answer_id, text, None, None, "alert", evidence=[time], evidence_frames=[frame]
        )
        self.chat.refresh()

    def _keep_evidence(self, answer_id: int, frames) -> None:
        model = self.timeline.model
        self.chat.evidence.keep(answer_id, model.memory, [model.items.get(i) for i in frames])

    @Slot(int, str)
    def failed(self, answer_id: int, message: str) -> None:
        self.conversation.fail(answer_id, message)
        self.chat.refresh()
