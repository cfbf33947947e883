"""Fixtures for app and voice tests: generated videos, isolated settings, windows that always
shut down (registered by the root conftest)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from videoscan_core.video import import_cv2


def write_video(path, frames: int, fps: float = 5.0, size=(96, 64), moving: bool = True):
    cv2 = import_cv2()
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    for i in range(frames):
        frame = np.full((size[1], size[0], 3), 40, np.uint8)
        if moving:
            frame[:, :, (i // 10) % 3] = 170
            x = (i * 7) % (size[0] - 16)
            frame[20:36, x : x + 16] = 255
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture(scope="session")
def moving_video(tmp_path_factory):
    """20 s at 5 FPS: a white square moving over a background that changes colour."""
    return write_video(tmp_path_factory.mktemp("videos") / "moving.mp4", 100)


@pytest.fixture(scope="session")
def static_video(tmp_path_factory):
    """10 s at 5 FPS of one unchanging picture (a static screen)."""
    return write_video(tmp_path_factory.mktemp("videos") / "static.mp4", 50, moving=False)


@pytest.fixture
def settings_store(tmp_path):
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def tiny_engine_factory(tiny_vlm):
    """Builds engines on the in-memory tiny model (no loading from disk)."""
    from videoscan_core.stream.engine import StreamingEngine

    return lambda request, status: StreamingEngine(tiny_vlm, request.config)


@pytest.fixture
def make_window(qtbot, settings_store, monkeypatch):
    """Create MainWindows that are shut down (threads joined) at the end of the test. Closing
    one with unexported answers quits without saving (tests of that question override it)."""
    from PySide6.QtWidgets import QMessageBox

    from app.window.main_window import MainWindow

    monkeypatch.setattr(
        "app.window.quit_guard.ask_about_unsaved",
        lambda window, count: QMessageBox.StandardButton.Discard
    )

    windows = []
    threads_before = {t.ident for t in threading.enumerate()}

    def make(settings, **kwargs):
        window = MainWindow(settings, settings_store, **kwargs)
        qtbot.addWidget(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.shutdown()
        assert window.worker.isFinished() or not window.worker.isRunning()
    leaked = [
        t
        for t in threading.enumerate()
        if t.ident not in threads_before and t.is_alive() and not t.daemon
    ]
    assert not leaked, f"threads left running: {leaked}"
