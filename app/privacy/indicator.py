"""The privacy rules in the window: a toolbar label and the tray say why capture is paused, a
"Privacy..." menu item opens the rules, and a warning banner appears when exclusions are off.

Contract: ``attach_privacy(window)`` (called once by the main window after its toolbar exists)
loads the rules from ``window.store`` into ``GUARD`` (the core's guard, which the capture sources
use) and gives it the desktop's D-Bus lock check, adds the label, the menu item (Watch menu)
and returns the ``PrivacyIndicator``. The indicator polls ``GUARD.status`` four times a second
on the GUI thread (a plain attribute read, never waiting); a decision older than two and a half
frame periods (capture paused by the user, or not a screen source) counts as none. Each change is
also ``sig_withheld(kind)``: "privacy", "source" or "" (capturing), for the window's indicator.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QToolBar

from videoscan_core.capture.privacy.guard import GUARD, PrivacyGuard
from videoscan_core.capture.privacy.rules import load_rules, save_rules

from .dbus_lock import dbus_screensaver_active

POLL_MS = 250


class PrivacyIndicator(QObject):
    sig_withheld = Signal(str)  # "privacy", "source" or "" (frames flow)

    def __init__(self, window, guard: PrivacyGuard = GUARD) -> None:
        super().__init__(window)
        self.window = window
        self.guard = guard
        self.reason = ""
        self.warning = ""
        self.dialog = None
        guard.set_rules(load_rules(getattr(window, "store", None)))
        guard.set_lock_check(dbus_screensaver_active)
        self.label = QLabel()
        self.label.setObjectName("privacyLabel")
        self.label.setStyleSheet("color: #8a1c1c; font-weight: bold; padding: 0 6px;")
        toolbar = window.findChild(QToolBar)
        self.label_action = toolbar.addWidget(self.label) if toolbar is not None else None
        self._show("")
        self.action = QAction("Privacy…", window)
        self.action.setToolTip("Windows to black out, apps that pause watching, session pauses")
        self.action.triggered.connect(self.open_dialog)
        self._menu().addAction(self.action)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.poll)
        self.timer.start(POLL_MS)

    def _menu(self):
        for action in self.window.menuBar().actions():
            if action.menu() is not None and action.text().replace("&", "") == "Watch":
                return action.menu()
        return self.window.menuBar().addMenu("&Privacy")

    def _show(self, reason: str) -> None:
        self.label.setText(reason)
        if self.label_action is not None:
            self.label_action.setVisible(bool(reason))
        else:
            self.label.setVisible(bool(reason))

    def poll(self) -> None:
        status = self.guard.status
        fps = getattr(getattr(self.window, "settings", None), "fps", 1.0) or 1.0
        fresh = time.monotonic() - status.at <= 2.5 / fps
        reason = status.reason if fresh else ""
        if reason:
            prefix = "Paused for privacy" if status.kind == "privacy" else "Not capturing"
            reason = f"{prefix}: {reason}"
        if reason != self.reason:
            self.reason = reason
            self._show(reason)
            self.sig_withheld.emit(status.kind if reason else "")
            tray = getattr(self.window, "tray", None)
            if tray is not None:
                tray.set_privacy_reason(reason)
            if reason:
                self.window.statusBar().showMessage(reason, 5000)
        warning = status.warning if fresh else ""
        if warning and warning != self.warning:
            self.window.banner.show_message(warning)
        self.warning = warning

    def open_dialog(self) -> None:
        from ..widgets.privacy_dialog import PrivacyDialog

        self.dialog = PrivacyDialog(self.guard.rules, parent=self.window)
        self.dialog.accepted.connect(self._accepted)
        self.dialog.open()

    def _accepted(self) -> None:
        rules = self.dialog.rules()
        self.guard.set_rules(rules)
        store = getattr(self.window, "store", None)
        if store is not None:
            save_rules(store, rules)


def attach_privacy(window) -> PrivacyIndicator:
    return PrivacyIndicator(window)
