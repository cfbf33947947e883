"""Screen text beside real capture on a real X screen (Xvfb): an excluded window is blacked out
before OCR ever sees the frame, so its text is never read; paused capture reads nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QObject, Signal

from app.capture.controller import CaptureController
from app.features.screen_text import ScreenText
from app.settings import AppSettings
from videoscan_core.capture.frame_slot import LatestFrameSlot
from videoscan_core.capture.privacy.guard import GUARD
from videoscan_core.capture.privacy.rules import PrivacyRules
from videoscan_core.screen_text.retrieve import all_lines

pytestmark = [
    pytest.mark.display,
    pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs an X display (xvfb-run)"),
]
HELPER = Path(__file__).with_name("text_windows.py")


class Desktop:
    def __init__(self) -> None:
        env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
        self.process = subprocess.Popen([sys.executable, str(HELPER)], env=env, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # fmt: skip
        assert self.process.stdout.readline().strip() == "shown"

    def command(self, text: str) -> None:
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline().strip() == f"ok {text}"

    def close(self) -> None:
        self.process.stdin.write("quit\n")
        self.process.stdin.flush()
        self.process.wait(10)


class Signals(QObject):
    start = Signal(str)
    pause = Signal(bool)


@pytest.fixture
def desktop():
    desktop = Desktop()
    yield desktop
    desktop.close()


def test_an_excluded_window_is_never_read_and_paused_capture_reads_nothing(
    desktop, qtbot, tmp_path
):
    service = ScreenText(AppSettings(), history=tmp_path / "unused.sqlite")
    offered = []  # every frame handed to screen text, as it was handed
    lock = threading.Lock()

    def sink(frame, timestamp, regions, tag, kind):
        with lock:
            offered.append(None if frame is None else frame.copy())
        service.on_capture(frame, timestamp, regions, tag, kind)

    controller = CaptureController(LatestFrameSlot(), fps=5.0, threshold=0.01)
    controller.text_sink = sink
    controller.start_thread()
    signals = Signals()
    signals.start.connect(controller.start)
    signals.pause.connect(controller.set_paused)
    GUARD.set_rules(PrivacyRules(exclude=("VS Secret",), pause_when_locked=False))
    try:
        signals.start.emit("screen:1")

        def texts() -> set[str]:
            return {line.text for line in all_lines(service.memory)}

        qtbot.waitUntil(lambda: "Ship version 2 on Friday" in texts(), timeout=60000)
        signals.pause.emit(True)
        qtbot.waitUntil(lambda: controller.paused, timeout=5000)
        with lock:
            before_pause = len(offered)
        desktop.command("say public Lunch moved to 13:30")
        assert service.reader.wait_idle(60)
        qtbot.wait(1000)  # five capture periods while paused
        with lock:
            assert len(offered) == before_pause  # nothing taken, nothing read
        assert "Lunch moved to 13:30" not in texts()
        signals.pause.emit(False)
        qtbot.waitUntil(lambda: "Lunch moved to 13:30" in texts(), timeout=60000)
        assert not any("4471" in text or "Account" in text for text in texts())
        with lock:
            frames = [frame for frame in offered if frame is not None]
        assert frames and all((frame[100:220, 80:560] == 0).all() for frame in frames)
        assert not np.any([(frame[100:220, 640:1120] == 0).all() for frame in frames])
    finally:
        controller.shutdown()
        service.shutdown()
        GUARD.set_rules(PrivacyRules())
        GUARD.close()
