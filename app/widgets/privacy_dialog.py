"""The Privacy dialog: which windows are blacked out, which apps pause capture, session pauses.

Contract: ``PrivacyDialog(rules, lister_factory, parent)`` edits a ``PrivacyRules``: two lists
(one rule per line: a piece of a window title or an application name), a window list of what is
open now (double-click adds a window's title to the exclusions), and for each rule the windows it
matches now - a rule matching nothing is kept and shown as "matches nothing now". When windows
cannot be listed the dialog says so (capture then pauses while such rules exist). ``rules()``
returns the edited rules. The window list is read when the dialog opens and on Refresh.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from videoscan_core.capture.privacy.listers import make_lister
from videoscan_core.capture.privacy.rules import PrivacyRules, clean, matches_per_rule
from videoscan_core.capture.privacy.windows import WindowInfo, WindowListUnavailable


class PrivacyDialog(QDialog):
    def __init__(
        self, rules: PrivacyRules, lister_factory=make_lister, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Privacy")
        self.lister_factory = lister_factory
        self.open_windows: list[WindowInfo] = []
        self.exclude = QPlainTextEdit("\n".join(rules.exclude))
        self.exclude.setPlaceholderText("one per line, e.g. KeePassXC or Online Banking")
        self.pause_apps = QPlainTextEdit("\n".join(rules.pause_apps))
        self.pause_apps.setPlaceholderText("one per line, e.g. 1Password")
        for box in (self.exclude, self.pause_apps):
            box.setMaximumHeight(96)
        self.locked = QCheckBox("Pause while the screen is locked")
        self.locked.setChecked(rules.pause_when_locked)
        self.battery = QCheckBox("Pause on battery power")
        self.battery.setChecked(rules.pause_on_battery)
        self.idle = QDoubleSpinBox()
        self.idle.setRange(0, 24 * 60)
        self.idle.setDecimals(0)
        self.idle.setSuffix(" min")
        self.idle.setSpecialValueText("never")
        self.idle.setValue(rules.idle_minutes)
        self.windows = QListWidget()
        self.windows.itemDoubleClicked.connect(self._add_window)
        self.matches = QLabel()
        self.matches.setWordWrap(True)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        form = QFormLayout()
        form.addRow("Black out these windows:", self.exclude)
        form.addRow("Pause while these are focused:", self.pause_apps)
        form.addRow("Pause after no input for:", self.idle)
        form.addRow(self.locked)
        form.addRow(self.battery)
        header = QHBoxLayout()
        header.addWidget(QLabel("Open windows (double-click to black one out):"))
        header.addStretch(1)
        header.addWidget(refresh)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(header)
        layout.addWidget(self.windows)
        layout.addWidget(self.matches)
        layout.addWidget(buttons)
        self.exclude.textChanged.connect(self._show_matches)
        self.pause_apps.textChanged.connect(self._show_matches)
        self.refresh()

    def refresh(self) -> None:
        self.windows.clear()
        self.problem = ""
        try:
            lister = self.lister_factory()
            try:
                self.open_windows = [w for w in lister.windows() if w.title or w.app]
            finally:
                lister.close()
        except WindowListUnavailable as error:
            self.open_windows = []
            self.problem = str(error)
        for window in self.open_windows:
            suffix = " (minimised)" if window.minimised else ""
            self.windows.addItem(window.label + suffix)
        self._show_matches()

    def _add_window(self, item) -> None:
        window = self.open_windows[self.windows.row(item)]
        rules = list(self.rules().exclude) + [window.title or window.app]
        self.exclude.setPlainText("\n".join(clean(rules)))

    def _show_matches(self) -> None:
        if self.problem:
            self.matches.setText(
                f"Windows cannot be listed: {self.problem}. While there are rules here, "
                "capture stays paused rather than sending unfiltered frames."
            )
            return
        rules = self.rules()
        lines = []
        for kind, found in (
            ("black out", matches_per_rule(rules.exclude, self.open_windows)),
            ("pause", matches_per_rule(rules.pause_apps, self.open_windows)),
        ):
            for rule, labels in found.items():
                what = ", ".join(labels) if labels else "matches nothing now"
                lines.append(f"{kind} '{rule}': {what}")
        self.matches.setText("\n".join(lines))

    def rules(self) -> PrivacyRules:
        return PrivacyRules(
            exclude=clean(self.exclude.toPlainText().splitlines()),
            pause_apps=clean(self.pause_apps.toPlainText().splitlines()),
            pause_when_locked=self.locked.isChecked(),
            idle_minutes=float(self.idle.value()),
            pause_on_battery=self.battery.isChecked(),
        )
