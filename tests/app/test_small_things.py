"""Small things users hit: the log rotates, a failing frame logs one traceback, Ctrl+E works while
typing, status messages have room, the window remembers its geometry, plots have real axes."""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from app.engine.failure_log import FailureLog
from app.settings import AppSettings
from app.widgets.resource_plot import ResourcePlot, nice_ceiling


def test_the_log_rotates_at_its_size_limit(tmp_path, monkeypatch):
    import app.main as main

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    monkeypatch.setattr(main, "log_file_path", lambda: tmp_path / "videoscan-desktop.log")
    monkeypatch.setattr(main, "LOG_MAX_BYTES", 10_000)
    try:
        path = main.setup_logging(False)
        for i in range(400):
            logging.getLogger("videoscan.test").info("line %d %s", i, "x" * 80)
        files = sorted(p.name for p in tmp_path.iterdir())
        assert files == [
            "videoscan-desktop.log",
            "videoscan-desktop.log.1",
            "videoscan-desktop.log.2",
            "videoscan-desktop.log.3",
        ]
        assert all((tmp_path / name).stat().st_size <= 10_200 for name in files)
        assert path.name == "videoscan-desktop.log"
    finally:
        for handler in root.handlers:
            if handler not in saved[0]:
                handler.close()
        root.handlers[:], root.level = saved[0], saved[1]


def test_a_failing_frame_logs_its_traceback_once_then_a_count(caplog):
    failures = FailureLog(logging.getLogger("videoscan.test"), "a frame step")
    with caplog.at_level(logging.INFO, logger="videoscan.test"):
        for _ in range(12):
            try:
                raise RuntimeError("broken frame")
            except RuntimeError:
                failures.failed()
        failures.succeeded()
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1
    messages = [r.getMessage() for r in caplog.records]
    assert "a frame step failed 10 times since the last success" in messages
    assert messages[-1] == "a frame step works again after 12 failures"


def test_shortcuts_status_and_geometry(make_window, qtbot, tmp_path, monkeypatch, settings_store):
    monkeypatch.setattr(
        "app.widgets.chat_pane.QFileDialog.getSaveFileName",
        lambda *a, **k: (str(tmp_path / "typed.md"), ""),
    )
    window = make_window(AppSettings(model="", source="webcam:9"))
    window.show()
    qtbot.waitExposed(window)
    window.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    window.resize(720, 520)  # (inside the offscreen screen, 800x600)
    window.view.chat.input.setFocus()
    window.view.chat.conversation.start(1, "Where?")
    # on X11 the line edit claims Ctrl+E ("end of line") in its shortcut override: not any more
    override = QKeyEvent(
        QEvent.Type.ShortcutOverride, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier
    )
    QApplication.sendEvent(window.view.chat.input, override)
    assert not override.isAccepted()
    qtbot.keyClick(window.windowHandle(), Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert (tmp_path / "typed.md").is_file()  # Ctrl+E from the question box
    window.statusBar().showMessage("Saved 36 remembered frames to /somewhere")
    assert window.view.model_status.width() < window.statusBar().width() - 300  # room for it
    size = (window.width(), window.height())
    window.shutdown()
    again = make_window(AppSettings(model="", source="webcam:9"))
    assert (again.width(), again.height()) == size != (1100, 720)  # not the default size
    settings_store.sync()  # the window's state has a file of its own, the settings file is not
    assert (tmp_path / "settings-window.ini").is_file()  # rewritten by closing the window
    assert settings_store.value("window/geometry") is None


def test_resource_plots_start_at_zero_with_round_maxima(qtbot):
    assert [nice_ceiling(v) for v in (0, 0.3, 7, 12, 512, 980)] == [1, 0.5, 10, 20, 1000, 1000]
    plot = ResourcePlot()
    qtbot.addWidget(plot)
    plot.resize(280, 300)
    for i in range(20):
        plot.add_sample({"rss_mb": 500.0 + i, "frame_ms": 12.5, "frames_dropped": 0})
    plot.grab()
    assert plot.axes["memory"] == (0.0, 1000.0)  # a 19 MB rise is not a cliff
    assert plot.axes["frame_ms"] == (0.0, 20.0)


def test_a_failure_after_a_recovery_is_logged_in_full_again(caplog):
    failures = FailureLog(logging.getLogger("videoscan.test"), "a frame step")

    def fail(times: int) -> list[bool]:
        said = []
        for _ in range(times):
            try:
                raise RuntimeError("broken frame")
            except RuntimeError:
                said.append(failures.failed())
        return said

    with caplog.at_level(logging.INFO, logger="videoscan.test"):
        assert fail(2) == [True, False]
        failures.succeeded()
        assert failures.count == 0
        assert fail(2) == [True, False]  # the count starts over: a traceback again
        failures.succeeded()
        failures.succeeded()  # nothing failed since: nothing said
    messages = [r.getMessage() for r in caplog.records]
    assert messages.count("a frame step works again after 2 failures") == 2
    assert len([r for r in caplog.records if r.exc_info]) == 2
