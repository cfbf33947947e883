"""The one place errors are shown: a non-modal banner at the top of the window.

Contract: ``show_message(text, kind, details)`` shows the newest message on one line (long text
is cut, the whole of it and ``details`` are behind a Details button) and counts repeats of the
same message since it was first shown ("3 times"). ``resolve(kind)`` is called when that kind of
problem is gone (a model loaded, a frame streamed, a source opened): a banner showing that kind
hides and its count starts over. ``show_note`` shows calm information in the same place; the
app keeps running underneath. ``messages`` keeps the history for tests and the log.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton, QWidget

ERROR_STYLE = (
    "#errorBanner { background: #fdecea; border: 1px solid #f5c2c0; border-radius: 4px; }"
    " QLabel { color: #611a15; }"
)
NOTE_STYLE = (
    "#errorBanner { background: #e8f1fb; border: 1px solid #b9d3f0; border-radius: 4px; }"
    " QLabel { color: #0d3c61; }"
)
MAX_LINE = 160  # characters shown before the rest goes behind Details


class ErrorBanner(QFrame):
    sig_shown = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorBanner")
        self.setStyleSheet(ERROR_STYLE)
        self.messages: list[str] = []
        self.kind = ""  # the kind of problem shown ("" for a note)
        self.repeats = 0  # times the shown message came since it was first shown
        self._message = ""
        self._details = ""
        self._label = QLabel()
        self._label.setTextFormat(Qt.TextFormat.PlainText)
        self._details_button = QPushButton("Details…")
        self._details_button.clicked.connect(self.show_details)
        self._dismiss = QPushButton("Dismiss")
        self._dismiss.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self._label, 1)
        layout.addWidget(self._details_button)
        layout.addWidget(self._dismiss)
        self.hide()

    @property
    def text(self) -> str:
        return self._label.text()

    @Slot(str)
    def show_message(self, message: str, kind: str = "general", details: str = "") -> None:
        self.messages.append(message)
        if self.isVisible() and (kind, message) == (self.kind, self._message):
            self.repeats += 1
        else:
            self.kind, self._message, self._details, self.repeats = kind, message, details, 1
        lines = message.strip().splitlines() or [""]
        line = lines[0]
        if len(line) > MAX_LINE:
            line = line[: MAX_LINE - 1].rstrip() + "…"
        suffix = f"  ({self.repeats} times)" if self.repeats > 1 else ""
        self.setStyleSheet(ERROR_STYLE)
        self._label.setWordWrap(False)
        self._label.setText(f"⚠ {line}{suffix}")
        self._label.setToolTip(message if line != message.strip() else "")
        self._details_button.setVisible(bool(details) or line != message.strip())
        self.show()
        self.sig_shown.emit(message)

    def show_note(self, message: str) -> None:
        """An informational note (not an error) in the same place, in calmer colours."""
        self.kind, self._message, self._details, self.repeats = "", message, "", 0
        self.setStyleSheet(NOTE_STYLE)
        self._label.setText(f"ℹ {message}")
        self._label.setToolTip("")
        self._label.setWordWrap(True)
        self._details_button.hide()
        self.show()

    @Slot(str)
    def resolve(self, kind: str) -> None:
        """The cause of ``kind`` problems is gone: hide the banner if it shows one."""
        if self.isVisible() and self.kind == kind:
            self.dismiss()

    @Slot()
    def show_details(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Details", self._message, parent=self)
        if self._details:
            box.setDetailedText(self._details)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.details_box = box
        box.open()

    @Slot()
    def dismiss(self) -> None:
        self.hide()
        self.kind, self.repeats = "", 0
