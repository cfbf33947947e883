"""The Settings dialog's Screen text tab: on or off, how much to remember, a kept history.

Contract: ``ScreenTextTab(settings)`` shows the ``screen_text*`` fields of ``AppSettings`` with
the ranges the settings allow; ``changes()`` gives them back as keyword arguments for
``AppSettings.with_changes``. The history's place is named (``screen_text.memory.history_path``).
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QWidget

from videoscan_core.screen_text.memory import history_path

from .setting_spins import int_spin


def _spin(name: str, value: int, suffix: str, tip: str):
    return int_spin(name, value, tip, suffix)


class ScreenTextTab(QWidget):
    def __init__(self, settings, parent=None) -> None:
        super().__init__(parent)
        self.enabled = QCheckBox("Read the text on the screen (screens, windows, regions, videos)")
        self.enabled.setChecked(settings.screen_text)
        self.enabled.setToolTip(
            "text is read on this computer (OCR) where the picture changed, remembered, "
            "searchable with Ctrl+F and shown to the model with each question"
        )
        self.max_lines = _spin("screen_text_max_lines", settings.screen_text_max_lines, " lines",
                               "the least recently seen lines go first")  # fmt: skip
        self.max_mb = _spin("screen_text_max_mb", settings.screen_text_max_mb, " MB",
                            "the least recently seen lines go first")  # fmt: skip
        self.history = QCheckBox("Keep the screen text on disk between runs")
        self.history.setChecked(settings.screen_text_history)
        self.retention = _spin("screen_text_retention_days", settings.screen_text_retention_days,
                               " days", "older lines are deleted when the app starts")  # fmt: skip
        where = QLabel(f"Saved in {history_path()}; Watch > Clear screen text deletes it.")
        where.setWordWrap(True)
        where.setStyleSheet("color: #666")
        form = QFormLayout(self)
        form.addRow("", self.enabled)
        form.addRow("Remember at most", self.max_lines)
        form.addRow("", self.max_mb)
        form.addRow("", self.history)
        form.addRow("Keep for", self.retention)
        form.addRow("", where)
        self.enabled.toggled.connect(self._enable)
        self.history.toggled.connect(self.retention.setEnabled)
        self._enable(settings.screen_text)
        self.retention.setEnabled(settings.screen_text_history)

    def _enable(self, on: bool) -> None:
        for widget in (self.max_lines, self.max_mb, self.history):
            widget.setEnabled(on)

    def changes(self) -> dict:
        return {
            "screen_text": self.enabled.isChecked(),
            "screen_text_max_lines": self.max_lines.value(),
            "screen_text_max_mb": self.max_mb.value(),
            "screen_text_history": self.history.isChecked(),
            "screen_text_retention_days": self.retention.value(),
        }
