"""The tray icon: it mirrors the recording indicator and its menu pauses, shows and quits."""

from __future__ import annotations

from PySide6.QtWidgets import QSystemTrayIcon

from app.settings import AppSettings


def icon_image(tray):
    return tray.icon.icon().pixmap(64, 64).toImage()


def test_tray_menu_pauses_and_mirrors_the_indicator(make_window, qtbot, moving_video):
    window = make_window(AppSettings(model="", source=f"file:{moving_video}"))
    window.show()
    tray = window.tray
    assert tray.state == "idle" and not tray.pause_action.isEnabled()
    with qtbot.waitSignal(window.capture.sig_started, timeout=10000):
        window.sig_capture_start.emit(f"file:{moving_video}")
    qtbot.waitUntil(lambda: tray.state == "recording", timeout=5000)
    assert tray.icon.toolTip() == "VideoScan: watching" and tray.pause_action.isEnabled()
    recording_icon = icon_image(tray)
    tray.pause_action.trigger()
    assert window.paused and "Paused" in window.view.indicator.text()
    assert tray.state == "paused" and tray.pause_action.text() == "Resume watching"
    assert icon_image(tray) != recording_icon
    qtbot.waitUntil(lambda: window.capture.paused, timeout=5000)  # the capture thread heard it
    captured = window.report.frames_captured
    tray.pause_action.trigger()
    assert not window.paused and tray.state == "recording"
    qtbot.waitUntil(lambda: window.report.frames_captured > captured, timeout=10000)


def test_tray_click_hides_and_shows_and_quit_closes(make_window, qtbot, monkeypatch):
    window = make_window(AppSettings(model="", source="demo:1"))
    window.show()
    qtbot.waitExposed(window)
    window.tray._on_activated(QSystemTrayIcon.ActivationReason.Trigger)
    assert not window.isVisible()  # hidden, still running
    window.tray._on_activated(QSystemTrayIcon.ActivationReason.Trigger)
    assert window.isVisible()
    quits = []
    monkeypatch.setattr("app.window.tray.QApplication.quit", lambda: quits.append(True))
    window.tray.quit_action.trigger()
    assert quits and not window.isVisible() and window.worker.isFinished()
