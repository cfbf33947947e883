"""The privacy rules in the window: a toolbar label and the tray say why capture is paused, a
"Privacy..." menu item opens the rules, and a warning banner appears when exclusions are off.

Contract: ``PrivacyIndicator(parent, store, parts, guard=GUARD)`` (made once by the main window
after its toolbar exists) loads the rules from ``store`` into ``guard`` (by default the core's
``GUARD``, which the capture sources use) and gives it the desktop's D-Bus lock check, and adds
its label to ``parts.toolbar`` and its item to ``parts.menu`` (the Watch menu). ``parts``
(``PrivacyParts``) are what it shows a decision with: the tray, the banner, the status bar and
the frame rate (``fps()``). The indicator polls ``GUARD.status`` four times a second
on the GUI thread (a plain attribute read, never waiting); a decision older than two and a half
frame periods (capture paused by the user, or not a screen source) counts as none. Each change is
also ``sig_withheld(kind)``: "privacy", "source" or "" (capturing), for the window's indicator.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMenu, QStatusBar, QToolBar, QWidget

from videoscan_core.capture.privacy.guard import GUARD, PrivacyGuard
from videoscan_core.capture.privacy.rules import load_rules, save_rules

from ..privacy.dbus_lock import dbus_screensaver_active

if TYPE_CHECKING:
    from ..widgets.error_banner import ErrorBanner
    from ..widgets.privacy_dialog import PrivacyDialog
    from .tray import WatchTray

POLL_MS = 250


@dataclass(frozen=True)
class PrivacyParts:
    """Where the indicator shows itself and its decisions."""

    toolbar: QToolBar
    menu: QMenu
    tray: WatchTray
    banner: ErrorBanner
    status_bar: QStatusBar
    fps: Callable[[], float]


class PrivacyIndicator(QObject):
    sig_withheld = Signal(str)  # "privacy", "source" or "" (frames flow)

    def __init__(
        self,
        parent: QWidget,
        store: QSettings | None,
        parts: PrivacyParts,
        guard: PrivacyGuard = GUARD,
    ) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.store = store
        self.parts = parts
        self.guard = guard
        self.reason = ""
        self.warning = ""
        self.dialog: PrivacyDialog | None = None
        guard.set_rules(load_rules(store))
        guard.set_lock_check(dbus_screensaver_active)
        self.label = QLabel()
        self.label.setObjectName("privacyLabel")
        self.label.setStyleSheet("color: #8a1c1c; font-weight: bold; padding: 0 6px;")
        self.label_action = parts.toolbar.addWidget(self.label)
        self._show("")
        self.action = QAction("Privacy…", parent)
        self.action.setToolTip("Windows to black out, apps that pause watching, session pauses")
        self.action.triggered.connect(self.open_dialog)
        parts.menu.addAction(self.action)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.poll)
        self.timer.start(POLL_MS)

    def _show(self, reason: str) -> None:
        self.label.setText(reason)
        self.label_action.setVisible(bool(reason))

    def poll(self) -> None:
        status = self.guard.status
        fps = self.parts.fps() or 1.0
        fresh = time.monotonic() - status.at <= 2.5 / fps
        reason = status.reason if fresh else ""
        if reason:
            prefix = "Paused for privacy" if status.kind == "privacy" else "Not capturing"
            reason = f"{prefix}: {reason}"
        if reason != self.reason:
            self.reason = reason
            self._show(reason)
            self.sig_withheld.emit(status.kind if reason else "")
            self.parts.tray.set_privacy_reason(reason)
            if reason:
                self.parts.status_bar.showMessage(reason, 5000)
        warning = status.warning if fresh else ""
        if warning and warning != self.warning:
            self.parts.banner.show_message(warning)
        self.warning = warning

    def open_dialog(self) -> None:
        from ..widgets.privacy_dialog import PrivacyDialog

        self.dialog = dialog = PrivacyDialog(self.guard.rules, parent=self.parent_widget)
        dialog.accepted.connect(self._accepted)
        dialog.open()

    def _accepted(self) -> None:
        if self.dialog is None:
            return
        rules = self.dialog.rules()
        self.guard.set_rules(rules)
        if self.store is not None:
            save_rules(self.store, rules)
