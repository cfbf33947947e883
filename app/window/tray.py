"""The system-tray icon: the recording indicator outside the window, and a menu to show the
window, pause or resume watching, and quit.

Contract: ``WatchTray(window, toggle_pause, is_shut_down)`` builds the icon and its menu (the icon
is shown only where the desktop has a tray; its Pause item calls ``toggle_pause``, its Quit closes
``window`` and quits once ``is_shut_down()``); ``set_state(state)`` with ``recording``, ``paused``,
``privacy`` (paused by a privacy rule), ``withheld`` (a followed window minimised or closed),
``idle`` or ``ended`` updates the icon (a red dot only while frames are watched, pause bars while
paused), the tooltip and the pause item; ``set_privacy_reason(text)`` says why in the tooltip;
``notify(title, text)`` shows a message where the desktop has a tray. Clicking the icon shows or
hides the window; capture and the model go on while it is hidden.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QRectF, Qt, Slot
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon, QWidget

ICON_SIZE = 64
TOOLTIPS = {
    "recording": "VideoScan: watching",
    "paused": "VideoScan: paused",
    "idle": "VideoScan: not watching",
    "ended": "VideoScan: the video ended",
    "privacy": "VideoScan: paused for privacy",
    "withheld": "VideoScan: not capturing",
}


def state_icon(base: QIcon, state: str) -> QIcon:
    """The app icon with a red dot (watching) or pause bars (paused) in its lower right corner."""
    pixmap = base.pixmap(ICON_SIZE, ICON_SIZE) if not base.isNull() else QPixmap()
    if pixmap.isNull():
        pixmap = QPixmap(ICON_SIZE, ICON_SIZE)
        pixmap.fill(QColor("#37474f"))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    badge = QRectF(ICON_SIZE * 0.55, ICON_SIZE * 0.55, ICON_SIZE * 0.42, ICON_SIZE * 0.42)
    if state == "recording":
        painter.setPen(QPen(QColor("white"), 3))
        painter.setBrush(QColor("#d32f2f"))
        painter.drawEllipse(badge)
    elif state in ("paused", "privacy"):
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("white"))
        painter.drawRoundedRect(badge, 6, 6)
        painter.setBrush(QColor("#455a64"))
        bar_w, bar_h = badge.width() * 0.2, badge.height() * 0.6
        top = badge.top() + (badge.height() - bar_h) / 2
        painter.drawRect(QRectF(badge.left() + badge.width() * 0.22, top, bar_w, bar_h))
        painter.drawRect(QRectF(badge.left() + badge.width() * 0.58, top, bar_w, bar_h))
    painter.end()
    return QIcon(pixmap)


class WatchTray(QObject):
    def __init__(
        self, window: QWidget, toggle_pause: Callable[[], None], is_shut_down: Callable[[], bool]
    ) -> None:
        super().__init__(window)
        self.window = window
        self.is_shut_down = is_shut_down
        self.base_icon = QGuiApplication.windowIcon()
        self.state = ""
        self.privacy_reason = ""
        self.icon = QSystemTrayIcon(self)
        self.menu = QMenu(window)
        self.show_action = self.menu.addAction("Show VideoScan", self.show_window)
        self.pause_action = self.menu.addAction("Pause watching", toggle_pause)
        self.menu.addSeparator()
        self.quit_action = self.menu.addAction("Quit", self.quit)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_activated)
        self.available = QSystemTrayIcon.isSystemTrayAvailable()
        self.set_state("idle")
        if self.available:
            self.icon.show()

    def set_state(self, state: str) -> None:
        self.state = state
        privacy = self.privacy_reason
        self.icon.setIcon(state_icon(self.base_icon, state))
        tip = TOOLTIPS[state]
        self.icon.setToolTip(f"VideoScan: {privacy}" if privacy else tip)
        self.pause_action.setText("Resume watching" if state == "paused" else "Pause watching")
        self.pause_action.setEnabled(state in ("recording", "paused", "privacy", "withheld"))

    def set_privacy_reason(self, reason: str) -> None:
        """Say why privacy rules paused capture ("" when they no longer do)."""
        self.privacy_reason = reason
        self.set_state(self.state)

    def notify(self, title: str, text: str) -> None:
        """A message from the tray icon (nothing where the desktop has no tray)."""
        if self.available:
            self.icon.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 5000)

    @Slot()
    def show_window(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    @Slot()
    def quit(self) -> None:
        if not self.window.isVisible():
            self.show_window()  # the quit question (if any) needs its window
        # close() is also True while a close is already in progress (its question open): quit
        # only once the window has really shut capture and the worker down
        if self.window.close() and self.is_shut_down():
            QApplication.quit()

    @Slot(QSystemTrayIcon.ActivationReason)
    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason != QSystemTrayIcon.ActivationReason.Trigger:
            return
        if self.window.isVisible() and not self.window.isMinimized():
            self.window.hide()
        else:
            self.show_window()

    def hide(self) -> None:
        self.icon.hide()
