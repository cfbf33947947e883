"""The one place errors are shown: a non-modal banner at the top of the window.

Contract: ``show_message(text, kind, details)`` shows the newest message on one line (long text
is cut, the whole of it and ``details`` are behind a Details button) and counts repeats of the
same message since it was first shown ("3 times"). ``resolve(kind)`` is called when that kind of
problem is gone (a model loaded, a frame streamed, a source opened): a banner showing that kind
hides and its count starts over. ``show_note(text, action)`` shows calm information in the same
place (``action``: an optional ``(label, callback)`` button, e.g. "Open folder"); the app keeps
running underneath. A message's first word is capitalised unless it is a name (``pull.mp4:``).
Both kinds follow the palette: light colours on a light window, dark ones on a dark window.
``messages`` keeps the history for tests and the log.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, Signal, Slot
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QWidget,
)

COLOURS = {  # (kind, dark palette) -> background, border, text
    ("error", False): ("#fdecea", "#f5c2c0", "#611a15"),
    ("note", False): ("#e8f1fb", "#b9d3f0", "#0d3c61"),
    ("error", True): ("#4a1f1d", "#7a3431", "#f6d5d3"),
    ("note", True): ("#15324d", "#2b5577", "#d6e9fb"),
}
MAX_LINE = 160  # characters shown before the rest goes behind Details


class ErrorBanner(QFrame):
    sig_shown = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorBanner")
        self._kind_style, self._restyling = "error", False
        self.setAutoFillBackground(True)
        self.setFrameShape(QFrame.Shape.Box)
        self.messages: list[str] = []
        self.kind = ""  # the kind of problem shown ("" for a note)
        self.repeats = 0  # times the shown message came since it was first shown
        self._message = ""
        self._details = ""
        self._label = QLabel()
        self._label.setTextFormat(Qt.TextFormat.PlainText)
        self._details_button = QPushButton("Details…")
        self._details_button.clicked.connect(self.show_details)
        self._action = QPushButton()
        self._action.clicked.connect(self._on_action)
        self._action_callback = None
        self._dismiss = QPushButton("Dismiss")
        self._dismiss.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self._label, 1)
        layout.addWidget(self._action)
        layout.addWidget(self._details_button)
        layout.addWidget(self._dismiss)
        self._style("error")
        self.hide()

    def _style(self, kind: str) -> None:
        """Colours from the palette around the banner (a style sheet would stop the desktop's
        palette from reaching it)."""
        self._kind_style = kind
        around = self.parentWidget().palette() if self.parentWidget() else QApplication.palette()
        dark = around.color(QPalette.ColorRole.Window).lightness() < 128
        background, border, text = COLOURS[kind, dark]
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor(background))
        palette.setColor(QPalette.ColorRole.WindowText, QColor(text))
        palette.setColor(QPalette.ColorRole.Light, QColor(border))
        palette.setColor(QPalette.ColorRole.Dark, QColor(border))
        if palette != self.palette():
            self.setPalette(palette)

    def _set_action(self, action: tuple[str, Callable[[], object]] | None) -> None:
        self._action_callback = action[1] if action else None
        self._action.setText(action[0] if action else "")
        self._action.setVisible(action is not None)

    @Slot()
    def _on_action(self) -> None:
        if self._action_callback is not None:
            self._action_callback()

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
        line = sentence(lines[0])
        if len(line) > MAX_LINE:
            line = line[: MAX_LINE - 1].rstrip() + "…"
        suffix = f"  ({self.repeats} times)" if self.repeats > 1 else ""
        self._style("error")
        self._set_action(None)
        self._label.setWordWrap(False)
        self._label.setText(f"⚠ {line}{suffix}")
        self._label.setToolTip(message if line != sentence(message.strip()) else "")
        self._details_button.setVisible(bool(details) or line != sentence(message.strip()))
        self.show()
        self.sig_shown.emit(message)

    def show_note(
        self, message: str, action: tuple[str, Callable[[], object]] | None = None
    ) -> None:
        """An informational note (not an error) in the same place, in calmer colours, with an
        optional ``(label, callback)`` button."""
        self.kind, self._message, self._details, self.repeats = "", message, "", 0
        self._style("note")
        self._set_action(action)
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

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        changes = (QEvent.Type.ParentChange, QEvent.Type.PaletteChange)
        if event.type() in changes and not self._restyling:  # the desktop turned dark, say
            self._restyling = True
            try:
                self._style(self._kind_style)
            finally:
                self._restyling = False


def sentence(line: str) -> str:
    """``line`` with its first word capitalised, unless that word is a name (``pull.mp4:``)."""
    first = line.split(" ", 1)[0]
    if first.rstrip(",:;").isalpha() and first.islower():
        return line[:1].upper() + line[1:]
    return line
