"""The privacy UI: the dialog shows what each rule matches (or that it matches nothing), the
toolbar label and the tray say why capture is paused, a warning banner when exclusions are off."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QToolBar

from app.settings import AppSettings
from app.widgets.error_banner import ErrorBanner
from app.widgets.privacy_dialog import PrivacyDialog
from app.window.privacy_indicator import PrivacyIndicator, PrivacyParts
from app.window.tray import WatchTray
from videoscan_core.capture.privacy.guard import GuardStatus, PrivacyGuard
from videoscan_core.capture.privacy.rules import PrivacyRules, load_rules
from videoscan_core.capture.privacy.windows import WindowInfo, WindowListUnavailable

BANK = WindowInfo(1, "Online Banking - Firefox", "firefox", 0, 0, 10, 10)
EDITOR = WindowInfo(2, "notes.txt", "gedit", 0, 0, 10, 10)


class Lister:
    def windows(self):
        return [BANK, EDITOR]

    def focused(self):
        return None

    def close(self):
        pass


def test_dialog_shows_matches_and_rules_matching_nothing(qtbot):
    dialog = PrivacyDialog(PrivacyRules(exclude=("banking", "Signal")), lambda: Lister())
    qtbot.addWidget(dialog)
    text = dialog.matches.text()
    assert "black out 'banking': Online Banking - Firefox [firefox]" in text
    assert "black out 'Signal': matches nothing now" in text
    dialog.windows.itemDoubleClicked.emit(dialog.windows.item(1))
    assert dialog.rules().exclude == ("banking", "Signal", "notes.txt")
    dialog.pause_apps.setPlainText("gedit\n\n gedit ")
    dialog.idle.setValue(10)
    rules = dialog.rules()
    assert rules.pause_apps == ("gedit",) and rules.idle_minutes == 10
    assert "pause 'gedit': notes.txt [gedit]" in dialog.matches.text()


def test_dialog_says_when_windows_cannot_be_listed(qtbot):
    def broken():
        raise WindowListUnavailable("no window manager list")

    dialog = PrivacyDialog(PrivacyRules(exclude=("bank",)), broken)
    qtbot.addWidget(dialog)
    assert "Windows cannot be listed: no window manager list" in dialog.matches.text()
    assert "paused" in dialog.matches.text()


class Window(QMainWindow):
    def __init__(self, store) -> None:
        super().__init__()
        self.settings = AppSettings(fps=2.0)
        self.store = store
        self.toolbar = QToolBar("Main")
        self.addToolBar(self.toolbar)
        self.watch_menu = self.menuBar().addMenu("&Watch")
        self.banner = ErrorBanner(self)
        self.tray = WatchTray(self, lambda: None, lambda: False)

    def indicator(self, guard: PrivacyGuard) -> PrivacyIndicator:
        parts = PrivacyParts(self.toolbar, self.watch_menu, self.tray, self.banner,
                             self.statusBar(), lambda: self.settings.fps)  # fmt: skip
        return PrivacyIndicator(self, self.store, parts, guard)


def test_toolbar_tray_and_banner_say_why_capture_is_paused(qtbot, settings_store):
    window = Window(settings_store)
    qtbot.addWidget(window)
    guard = PrivacyGuard(PrivacyRules(pause_when_locked=False), lambda: Lister())
    indicator = window.indicator(guard)
    window.show()
    window.tray.set_state("recording")
    assert not indicator.label.isVisible()
    guard.status = GuardStatus(reason="KeePassXC is focused (pause rule 'KeePassXC')")
    qtbot.waitUntil(lambda: indicator.label.isVisible(), timeout=2000)
    assert "Paused for privacy: KeePassXC is focused" in indicator.label.text()
    assert "VideoScan: Paused for privacy: KeePassXC is focused" in window.tray.icon.toolTip()
    guard.status = GuardStatus(
        reason="the window list cannot be read", warning="Privacy exclusions are off because x"
    )
    qtbot.waitUntil(lambda: "exclusions are off" in " ".join(window.banner.messages), timeout=2000)
    guard.status = GuardStatus()
    qtbot.waitUntil(lambda: not indicator.label.isVisible(), timeout=2000)
    assert window.tray.icon.toolTip() == "VideoScan: watching"
    menu_items = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "Privacy…" in menu_items


def test_stale_decisions_are_not_shown(qtbot, settings_store):
    window = Window(settings_store)
    qtbot.addWidget(window)
    guard = PrivacyGuard(PrivacyRules(), lambda: Lister())
    indicator = window.indicator(guard)
    guard.status = GuardStatus(reason="the screen is locked", at=0.0)  # long ago
    indicator.poll()
    assert indicator.reason == ""


def test_accepted_dialog_updates_the_guard_and_the_store(qtbot, settings_store):
    window = Window(settings_store)
    qtbot.addWidget(window)
    guard = PrivacyGuard(PrivacyRules(), lambda: Lister())
    indicator = window.indicator(guard)
    indicator.open_dialog()
    indicator.dialog.exclude.setPlainText("Banking")
    indicator.dialog.accept()
    assert guard.rules.exclude == ("Banking",)
    assert load_rules(settings_store).exclude == ("Banking",)
    indicator.dialog.close()
