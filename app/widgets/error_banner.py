"""The one place errors are shown: a non-modal banner at the top of the window.

Contract: ``show_message(text)`` shows the newest message (and how many came before it) until
the user dismisses it; the app keeps running underneath. ``messages`` keeps the history for tests
and the log.
"""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

ERROR_STYLE = (
    "#errorBanner { background: #fdecea; border: 1px solid #f5c2c0; border-radius: 4px; }"
    " QLabel { color: #611a15; }"
)
NOTE_STYLE = (
    "#errorBanner { background: #e8f1fb; border: 1px solid #b9d3f0; border-radius: 4px; }"
    " QLabel { color: #0d3c61; }"
)


class ErrorBanner(QFrame):
    sig_shown = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorBanner")
        self.setStyleSheet(ERROR_STYLE)
        self.messages: list[str] = []
        self._label = QLabel()
        self._label.setWordWrap(True)
        self._dismiss = QPushButton("Dismiss")
        self._dismiss.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self._label, 1)
        layout.addWidget(self._dismiss)
        self.hide()

    @property
    def text(self) -> str:
        return self._label.text()

    @Slot(str)
    def show_message(self, message: str) -> None:
        self.messages.append(message)
        earlier = len(self.messages) - 1
        suffix = f"  ({earlier} earlier)" if earlier and self.isVisible() else ""
        self.setStyleSheet(ERROR_STYLE)
        self._label.setText(f"⚠ {message}{suffix}")
        self.show()
        self.sig_shown.emit(message)

    def show_note(self, message: str) -> None:
        """An informational note (not an error) in the same place, in calmer colours."""
        self.setStyleSheet(NOTE_STYLE)
        self._label.setText(f"ℹ {message}")
        self.show()

    @Slot()
    def dismiss(self) -> None:
        self.hide()
