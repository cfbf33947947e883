"""Chat pane: type a question (Enter), watch the answer stream in, copy, clear, export.

Contract: ``ChatPane(conversation)`` emits ``sig_question_submitted(text)`` and
``sig_cancel_requested(answer_id)``: Stop and Esc stop the oldest question not yet answered (the
answer being written, or else the first that waits), never one queued behind it; 0 when nothing
waits (Esc still stops an answer read aloud). The conversation is a ``Conversation`` (plain Python)
owned and changed by the window's ``AnswerRouter``; this widget only renders it (``refresh()``,
which also enables Stop while a question is open) and asks for changes by signal: Clear (Ctrl+L)
emits ``sig_cleared`` (the router empties the conversation, the model forgets the earlier
questions too), an export emits ``sig_exported(path)`` (the router marks it saved).
Under each finished answer its evidence is shown as thumbnails (in the frame's aspect ratio) with
their times, from the pictures kept with the answer (``evidence``, an ``EvidenceShelf``: never
looked up by frame index, which restarts with each memory); clicking one emits
``sig_evidence_clicked(answer_id, position)``.
Letter answers to multiple-choice questions are shown with the option's text.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QGuiApplication, QImage, QKeySequence, QShortcut, QTextDocument
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..models.conversation import Conversation, Exchange, format_duration
from ..models.conversation import stream_clock as clock
from ..models.evidence import EvidenceShelf
from .screen_text_view import screen_text_html

EVIDENCE_W, EVIDENCE_H = 64, 36
EVIDENCE_W_MAX = 96  # a very wide frame is cut to this width


class AnswerView(QTextBrowser):
    """A text browser that draws ``evidence:ANSWER/POSITION`` images from the evidence shelf."""

    def __init__(self, evidence: EvidenceShelf) -> None:
        super().__init__()
        self.evidence = evidence

    def loadResource(self, kind: int, url: QUrl):
        if url.scheme() == "evidence" and kind == QTextDocument.ResourceType.ImageResource.value:
            item = evidence_item(self.evidence, url)
            thumbnail = getattr(item, "thumbnail", None)
            if isinstance(thumbnail, QImage) and not thumbnail.isNull():
                return thumbnail
            blank = QImage(EVIDENCE_W, EVIDENCE_H, QImage.Format.Format_RGB888)
            blank.fill(Qt.GlobalColor.darkGray)
            return blank
        return super().loadResource(kind, url)


def evidence_item(evidence: EvidenceShelf, url: QUrl):
    """The kept item an ``evidence:ANSWER/POSITION`` link points at, or None."""
    answer_id, _, position = url.path().partition("/")
    try:
        items = evidence.items(int(answer_id))
        return items[int(position)] if 0 <= int(position) < len(items) else None
    except ValueError:
        return None


def thumbnail_size(item, height: int = EVIDENCE_H, max_width: int = EVIDENCE_W_MAX):
    """(width, height) of an evidence thumbnail: the frame's aspect ratio, ``height`` tall."""
    thumbnail = getattr(item, "thumbnail", None)
    if not isinstance(thumbnail, QImage) or thumbnail.isNull() or not thumbnail.height():
        return EVIDENCE_W, height
    width = round(height * thumbnail.width() / thumbnail.height())
    return max(8, min(max_width, width)), height


class ChatPane(QWidget):
    sig_question_submitted = Signal(str)
    sig_cancel_requested = Signal(int)  # the answer id to stop (0: none is open)
    sig_error = Signal(str)  # a message for people (e.g. an export that could not be written)
    sig_evidence_clicked = Signal(int, int)  # answer id, position in its evidence
    sig_cleared = Signal()  # New conversation asked for (the router empties the conversation)
    sig_exported = Signal(str)  # the conversation was written to this path (the router marks it)

    def __init__(
        self, conversation: Conversation | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.conversation = conversation if conversation is not None else Conversation()
        self.evidence = EvidenceShelf()  # the pictures under each answer (the router keeps them)
        self.notes: dict[int, str] = {}  # why a question waits (answer id -> note)
        self._view = AnswerView(self.evidence)
        self._view.setOpenExternalLinks(False)
        self._view.setOpenLinks(False)
        self._view.anchorClicked.connect(self._on_anchor)
        self._view.setPlaceholderText(
            "Ask about anything the assistant has seen: what is on the screen now, what "
            "happened a minute ago, which came first…"
        )
        self._input = QLineEdit()
        self._input.setPlaceholderText("Ask a question and press Enter")
        self._input.setClearButtonEnabled(True)
        self._input.returnPressed.connect(self._on_send)
        self._input.installEventFilter(self)  # window shortcuts work while typing (Ctrl+E)
        self._send = QPushButton("Send")
        self._send.setToolTip("Send the question (Enter)")
        self._send.clicked.connect(self._on_send)
        self._stop = QPushButton("Stop")
        self._stop.setToolTip("Stop the answer being written (Esc)")
        self._stop.setEnabled(False)
        self._stop.clicked.connect(self.request_stop)
        self.mic_button = QPushButton("Hold to talk")
        self.mic_button.setToolTip("Hold to ask by voice (or hold F9)")
        self.level = QProgressBar()
        self.level.setRange(0, 100)
        self.level.setTextVisible(False)
        self.level.setFixedWidth(60)
        self.level.setFixedHeight(10)
        self.level.setToolTip("Microphone level")
        self.input_row = QHBoxLayout()
        for widget in (self._input, self.mic_button, self.level, self._send, self._stop):
            self.input_row.addWidget(widget)
        self._copy = QPushButton("Copy answer")
        self._copy.setToolTip("Copy the last answer to the clipboard")
        self._copy.clicked.connect(self.copy_last_answer)
        self._copy_all = QPushButton("Copy all")
        self._copy_all.clicked.connect(self.copy_conversation)
        self._clear = QPushButton("Clear")
        self._clear.setToolTip("New conversation: clear it; later questions start afresh (Ctrl+L)")
        self._clear.clicked.connect(self.clear)
        self._examples = QPushButton("Examples")
        self._examples.setToolTip("Questions the current model was trained to answer")
        self._examples.hide()
        self._export = QPushButton("Export…")
        self._export.setToolTip("Save the conversation as Markdown or JSON (Ctrl+E)")
        self._export.clicked.connect(self.export_with_dialog)
        tools = QHBoxLayout()
        for widget in (self._copy, self._copy_all, self._clear, self._export, self._examples):
            tools.addWidget(widget)
        tools.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._view, 1)
        layout.addLayout(self.input_row)
        layout.addLayout(tools)
        # Ctrl+E (export) belongs to the window's File menu: one binding, never ambiguous
        clear = QShortcut(QKeySequence("Ctrl+L"), self, activated=self.clear)
        clear.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    @Slot(QUrl)
    def _on_anchor(self, url: QUrl) -> None:
        if url.scheme() == "evidence":  # evidence:ANSWER/POSITION
            answer_id, _, position = url.path().partition("/")
            self.sig_evidence_clicked.emit(int(answer_id), int(position))

    WINDOW_KEYS = (Qt.Key.Key_E, Qt.Key.Key_N)  # Ctrl+E export, Ctrl+N new memory

    def eventFilter(self, watched, event) -> bool:
        """The line edit takes Ctrl+E as "end of line" on X11; leave it to the window."""
        if (
            watched is self._input
            and event.type() == QEvent.Type.ShortcutOverride
            and event.modifiers() == Qt.KeyboardModifier.ControlModifier
            and event.key() in self.WINDOW_KEYS
        ):
            event.ignore()
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:  # the input box passes Esc up to us
            self.request_stop()
            return
        super().keyPressEvent(event)

    def set_examples(self, questions: list[str]) -> None:
        """Offer example questions (a menu that fills the input box); empty hides it."""
        from PySide6.QtWidgets import QMenu

        menu = QMenu(self)
        for question in questions:
            action = menu.addAction(question.split(" Options:")[0])
            action.triggered.connect(lambda checked=False, q=question: self._use_example(q))
        self._examples.setMenu(menu)
        self._examples.setVisible(bool(questions))

    def _use_example(self, question: str) -> None:
        self._input.setText(question)
        self._input.setFocus()

    @Slot(float)
    def set_level(self, level: float) -> None:
        self.level.setValue(round(100 * level))

    @Slot(bool)
    def set_recording(self, recording: bool) -> None:
        self.mic_button.setText("● Listening…" if recording else "Hold to talk")

    @Slot(bool)
    def set_transcribing(self, busy: bool) -> None:
        self.mic_button.setEnabled(not busy)
        if busy:
            self.mic_button.setText("Transcribing…")
        else:
            self.set_recording(False)

    # -- input ------------------------------------------------------------------------------
    @property
    def input(self) -> QLineEdit:
        return self._input

    def submit(self, text: str) -> None:
        """Send a question as if typed (used by voice input and scripted runs)."""
        text = text.strip()
        if text:
            self.sig_question_submitted.emit(text)

    @Slot()
    def _on_send(self) -> None:
        text = self._input.text().strip()
        if text:
            self._input.clear()
            self.sig_question_submitted.emit(text)

    # -- answers (the window's AnswerRouter changes the conversation) ------------------------
    def open_answer_id(self) -> int:
        """The oldest question not answered yet (being written, or waiting), or 0."""
        for exchange in self.conversation.exchanges:
            if not exchange.finished and exchange.source != "alert":
                return exchange.answer_id
        return 0

    @Slot()
    def request_stop(self) -> None:
        """Stop / Esc: the answer being written (or the first question that waits)."""
        self.sig_cancel_requested.emit(self.open_answer_id())

    # -- tools ------------------------------------------------------------------------------
    @Slot()
    def copy_last_answer(self) -> None:
        answered = [e for e in self.conversation.exchanges if e.answer]
        if answered:
            QGuiApplication.clipboard().setText(answered[-1].answer)

    @Slot()
    def copy_conversation(self) -> None:
        QGuiApplication.clipboard().setText(self.conversation.to_markdown())

    @Slot()
    def clear(self) -> None:
        """New conversation (Ctrl+L): the view (through the router) and the model's recent
        questions (the worker); both listen to ``sig_cleared``."""
        self.sig_cleared.emit()

    def export_to(self, path: str | Path) -> Path:
        path = Path(path)
        text = (
            self.conversation.to_json()
            if path.suffix == ".json"
            else (self.conversation.to_markdown())
        )
        path.write_text(text, encoding="utf-8")
        self.sig_exported.emit(str(path))  # nothing unsaved now (the router's count)
        return path

    @Slot()
    def export_with_dialog(self) -> bool:
        """Ask where, export; True when the conversation was saved."""
        path, _ = QFileDialog.getSaveFileName(
            self, "Export conversation", "conversation.md", "Markdown (*.md);;JSON (*.json)"
        )
        if not path:
            return False
        try:
            self.export_to(path)
        except OSError as error:
            reason = error.strerror or error
            self.sig_error.emit(f"Could not save the conversation to {path}: {reason}")
            return False
        return True

    # -- rendering --------------------------------------------------------------------------
    def refresh(self) -> None:
        parts = []
        for exchange in self.conversation.exchanges:
            answer = html.escape(exchange.shown_answer).replace("\n", "<br>")
            if exchange.source == "alert":  # raised by a watched condition, not asked by the user
                condition = exchange.question.removeprefix("Alert: ")
                parts.append(
                    f"<p style='margin:8px 0 2px 0'><b style='color:#b35c00'>Alert:</b> "
                    f"{html.escape(condition)}</p>"
                    f"<p style='margin:2px 0 2px 12px'>{answer}</p>"
                )
            else:
                icon = "(spoken) " if exchange.source == "voice" else ""
                parts.append(
                    f"<p style='margin:8px 0 2px 0'><b>You:</b> {icon}"
                    f"{html.escape(exchange.question)}</p>"
                )
                if not exchange.finished:
                    note = self.notes.get(exchange.answer_id, "") if not answer else ""
                    answer += f"<span style='color:#888'>{html.escape(note)} ▍</span>"
                parts.append(f"<p style='margin:2px 0 2px 12px'><b>Assistant:</b> {answer}</p>")
            if exchange.finished and exchange.ttft_ms is not None:
                note = (
                    f"first token {format_duration(exchange.ttft_ms)} · "
                    f"total {format_duration(exchange.total_ms)}"
                )
                if exchange.stop_reason == "cancelled":
                    note += " · stopped"
                parts.append(
                    f"<p style='margin:0 0 6px 12px;color:#888;font-size:small'>{note}</p>"
                )
            if exchange.finished and exchange.evidence:
                parts.append(self._evidence_html(exchange))
            if exchange.finished and exchange.evidence_text:
                parts.append(screen_text_html(exchange.evidence_text))
        self._stop.setEnabled(bool(self.open_answer_id()))
        self._view.document().clear()  # (images are asked for again: frames come and go)
        self._view.setHtml("".join(parts))
        bar = self._view.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _evidence_html(self, exchange: Exchange) -> str:
        """Thumbnails (linked) with their times: where in the stream the answer looked."""
        cells = []
        items = self.evidence.items(exchange.answer_id)
        for position, time in enumerate(exchange.evidence):
            label = clock(time)
            item = items[position] if position < len(items) else None
            if item is not None and item.thumbnail is not None:
                link = f"evidence:{exchange.answer_id}/{position}"
                width, height = thumbnail_size(item)
                cells.append(
                    f"<td align='center'><a href='{link}'><img src='{link}' "
                    f"width='{width}' height='{height}'></a><br>"
                    f"<a href='{link}' style='color:#666'>{label}</a></td>"
                )
            else:  # its picture was not kept: its time only
                cells.append(f"<td align='center' style='color:#888'>{label}</td>")
        return (
            "<table style='margin:0 0 8px 12px' cellspacing='4'><tr>"
            "<td style='color:#888;font-size:small'>Seen at</td>" + "".join(cells) + "</tr></table>"
        )
