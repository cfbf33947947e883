"""The indicator, the toolbar and the tray say what is true: no "● Watching" while privacy rules
pause capture or a followed window is minimised or closed."""

from __future__ import annotations

from app.settings import AppSettings
from videoscan_core.capture.privacy.guard import GUARD, GuardStatus

from ..fakes import SlowEngine


def test_no_watching_dot_while_capture_is_withheld(make_window, qtbot, moving_video, monkeypatch):
    window = make_window(
        AppSettings(model="fake", source=f"file:{moving_video}", fps=0.2),  # decisions stay fresh
        engine_factory=lambda request, status: SlowEngine(request.config, step_s=0.0),
    )
    window.start()
    qtbot.waitUntil(lambda: "Watching" in window.view.indicator.text(), timeout=20000)
    assert window.tray.state == "recording"

    monkeypatch.setattr(GUARD, "status", GuardStatus(reason="KeePassXC is focused"))
    qtbot.waitUntil(lambda: window.privacy.reason != "", timeout=5000)
    assert "Watching" not in window.view.indicator.text()
    assert "Paused" in window.view.indicator.text()
    assert "Paused for privacy: KeePassXC is focused" in window.privacy.label.text()
    assert window.tray.state == "privacy"

    minimised = GuardStatus(reason="the window 'Notes-Editor' is minimised", kind="source")
    monkeypatch.setattr(GUARD, "status", minimised)
    qtbot.waitUntil(lambda: "minimised" in window.privacy.reason, timeout=5000)
    assert "Watching" not in window.view.indicator.text()
    assert "No frames" in window.view.indicator.text()
    assert window.tray.state == "withheld"

    monkeypatch.setattr(GUARD, "status", GuardStatus())
    qtbot.waitUntil(lambda: window.privacy.reason == "", timeout=5000)
    assert "Watching" in window.view.indicator.text() and window.tray.state == "recording"
