"""Privacy rules on a real X screen (Xvfb) with real windows from another process.

The window list comes from XQueryTree here: Xvfb runs no window manager, so there is no EWMH
``_NET_CLIENT_LIST`` (one test sets that property itself to check the EWMH path). Frames are
taken through the real capture controller and screen source; what the worker would get is what
reaches the latest-frame slot, and thumbnails are made by the worker's own ``frame_pictures``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from app.capture.controller import CaptureController
from videoscan_core.capture.frame_slot import LatestFrameSlot
from videoscan_core.capture.privacy.guard import GUARD
from videoscan_core.capture.privacy.rules import PrivacyRules

pytestmark = [
    pytest.mark.display,
    pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs an X display (xvfb-run)"),
]
HELPER = Path(__file__).with_name("window_helper.py")
FPS = 5.0
PERIOD = 1 / FPS


class Desktop:
    def __init__(self) -> None:
        env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
        self.process = subprocess.Popen(
            [sys.executable, str(HELPER)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout.readline().strip() == "shown"

    def command(self, text: str) -> float:
        """Run a command; returns when it was sent (the helper acts on it at once)."""
        sent = time.monotonic()
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline().strip() == f"ok {text}"
        return sent

    def close(self) -> None:
        self.process.stdin.write("quit\n")
        self.process.stdin.flush()
        self.process.wait(10)


class RecordingSlot(LatestFrameSlot):
    """The worker's input, recorded: every frame put and every static mark, with the time."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: list = []
        self.ticks: list[float] = []

    def put(self, frame) -> None:
        self.frames.append(frame)
        self.ticks.append(time.monotonic())
        super().put(frame)

    def put_static(self, timestamp, tag=None, *args) -> None:
        self.ticks.append(time.monotonic())
        if tag is None:
            super().put_static(timestamp)
        else:
            super().put_static(timestamp, tag, *args)


class Starter(QObject):
    start = Signal(str)


@pytest.fixture(autouse=True)
def default_rules():
    """Every test leaves the app's guard as it found it."""
    yield
    GUARD.set_rules(PrivacyRules())
    GUARD.close()


@pytest.fixture(scope="module")
def desktop():
    desktop = Desktop()
    yield desktop
    desktop.close()


@pytest.fixture
def capture(qtbot):
    slot = RecordingSlot()
    controller = CaptureController(slot, fps=FPS, threshold=0.0)
    previews: list[QImage] = []
    controller.sig_preview.connect(lambda image, t: previews.append(image))
    controller.start_thread()
    starter = Starter()
    starter.start.connect(controller.start)
    yield slot, previews, lambda: starter.start.emit("screen:1")
    controller.shutdown()
    GUARD.set_rules(PrivacyRules())
    GUARD.close()


def qimage_rgb(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    return rows[:, : image.width() * 3].reshape(image.height(), image.width(), 3).copy()


def reddish(rgb: np.ndarray) -> int:
    """Pixels that look like the secret window (220, 30, 40), also blended at its edges."""
    r, g, b = (rgb[..., i].astype(int) for i in range(3))
    return int(((r > 150) & (g < 110) & (b < 110)).sum())


def test_excluded_window_never_reaches_the_worker_and_the_box_follows_it(desktop, capture, qtbot):
    from app.engine.loading import frame_pictures

    slot, previews, start = capture
    desktop.command("focus backdrop")
    GUARD.set_rules(PrivacyRules(exclude=("VS Secret",), pause_when_locked=False))
    start()
    qtbot.waitUntil(lambda: len(slot.frames) >= 1, timeout=10000)
    first = slot.frames[0].rgb
    assert first.shape == (800, 1280, 3)
    assert (first[100:300, 100:400] == 0).all()  # the secret window: black
    assert np.allclose(first[250, 750], (30, 200, 60), atol=3)  # the public one: visible
    assert np.allclose(first[600, 50], (128, 128, 128), atol=3)  # the backdrop
    assert GUARD.status.matches == {"VS Secret": 1}
    seen = len(slot.frames)
    desktop.command("move secret 500 450")

    def moved_and_repainted(frame) -> bool:  # the box at the new place, the backdrop at the old
        # (the helper repaints the uncovered backdrop in its own time: wait for that frame)
        old_place = np.allclose(frame.rgb[200, 250], (128, 128, 128), atol=3)
        return bool((frame.rgb[450:650, 500:800] == 0).all()) and old_place

    try:
        qtbot.waitUntil(lambda: any(map(moved_and_repainted, slot.frames[seen:])), timeout=10000)
    finally:
        desktop.command("move secret 100 100")  # the next tests expect it there
    for frame in slot.frames:
        assert reddish(frame.rgb) == 0, "the secret window's pixels reached the worker"
        thumbnail, keepsake = frame_pictures(frame.rgb)
        assert reddish(qimage_rgb(thumbnail)) == 0
        assert reddish(qimage_rgb(QImage.fromData(keepsake))) == 0
    assert previews and all(reddish(qimage_rgb(image)) == 0 for image in previews)


def test_focused_pause_app_pauses_within_one_frame_and_resumes(desktop, capture, qtbot):
    slot, _, start = capture
    desktop.command("focus backdrop")
    GUARD.set_rules(
        PrivacyRules(exclude=("VS Secret",), pause_apps=("VS Public",), pause_when_locked=False)
    )
    start()
    qtbot.waitUntil(lambda: len(slot.ticks) >= 2, timeout=10000)
    focused_at = desktop.command("focus public")
    paused = "is focused (pause rule 'VS Public')"
    qtbot.waitUntil(lambda: paused in GUARD.status.reason, timeout=5000)
    paused_at = GUARD.status.at
    assert paused_at - focused_at <= PERIOD + 0.1, paused_at - focused_at
    # stay paused for several frame periods: the guard keeps deciding, nothing is captured
    qtbot.waitUntil(lambda: GUARD.status.at >= paused_at + 3 * PERIOD, timeout=5000)
    assert GUARD.status.reason and not [t for t in slot.ticks if t > paused_at]
    resumed_from = desktop.command("focus backdrop")
    qtbot.waitUntil(lambda: any(t > resumed_from for t in slot.ticks), timeout=5000)
    first = min(t for t in slot.ticks if t > resumed_from)
    assert first - resumed_from <= PERIOD + 0.1 and GUARD.status.reason == ""


def test_ewmh_client_list_is_used_when_a_window_manager_publishes_it(desktop):
    from Xlib import X, Xatom, display

    from videoscan_core.capture.privacy.x11_windows import X11Windows

    lister = X11Windows()
    everything = {w.title: w for w in lister.windows()}
    assert {"VS Backdrop", "VS Secret Bank", "VS Public Notes"} <= set(everything)
    assert everything["VS Secret Bank"].rect == (100, 100, 300, 200)
    connection = display.Display()
    root = connection.screen().root
    client_list = connection.intern_atom("_NET_CLIENT_LIST")
    root.change_property(client_list, Xatom.WINDOW, 32, [everything["VS Public Notes"].id])
    connection.sync()
    try:
        assert [w.title for w in lister.windows()] == ["VS Public Notes"]
    finally:
        root.delete_property(client_list)
        connection.sync()
        connection.close()
        lister.close()
    assert X.AnyPropertyType == 0


def test_watching_one_window_follows_it_and_says_when_it_is_gone(desktop):
    from videoscan_core.capture.base import SourceSpec, Withheld
    from videoscan_core.capture.sources import open_source

    GUARD.set_rules(PrivacyRules(exclude=("VS Secret",), pause_when_locked=False))
    desktop.command("open watched")
    spec = SourceSpec.parse("window:VS Watched")
    assert str(spec) == "window:VS Watched" and spec.label == "Window 'VS Watched'"
    source = open_source(spec)
    try:
        frame = source.read(0.0)
        assert frame.shape == (180, 320, 3)
        assert np.allclose(frame[90, 160], (40, 60, 220), atol=3)
        desktop.command("move watched 700 500")
        desktop.command("resize watched 400 250")
        frame = source.read(1.0)
        assert frame.shape == (250, 400, 3) and np.allclose(frame[125, 200], (40, 60, 220), atol=3)
        desktop.command("move watched 50 50")  # over the excluded window: that part is black
        frame = source.read(2.0)
        assert (frame[60:240, 60:330] == 0).all() and reddish(frame) == 0
        desktop.command("move watched 700 500")
        desktop.command("hide watched")
        result = source.read(3.0)
        assert isinstance(result, Withheld) and "is minimised" in result.reason
        assert GUARD.status.kind == "source"
        desktop.command("show watched")
        assert source.read(4.0).shape == (250, 400, 3)
        desktop.command("close watched")
        result = source.read(5.0)
        assert isinstance(result, Withheld) and "was closed" in result.reason
        desktop.command("open watched")  # the same title again: picked up
        assert source.read(6.0).shape == (180, 320, 3)
    finally:
        source.close()
        desktop.command("close watched")


def test_monitors_are_listed_with_their_geometry():
    from videoscan_core.capture.screen import list_monitors

    assert list_monitors() == [(1, "Screen 1 (1280x800 at 0,0)")]


@pytest.mark.slow
def test_the_app_never_hands_an_excluded_window_to_the_model(
    desktop, make_window, qtbot, settings_store
):
    """The whole window: rules from the store, screen capture, the worker, the timeline."""
    from app.settings import AppSettings
    from tests.app.fakes import SlowEngine
    from videoscan_core.capture.privacy.rules import save_rules

    seen: list[np.ndarray] = []

    class RecordingEngine(SlowEngine):
        def add_frame(self, frame, timestamp):
            seen.append(np.array(frame))
            return super().add_frame(frame, timestamp)

    save_rules(settings_store, PrivacyRules(exclude=("VS Secret",), pause_when_locked=False))
    settings = AppSettings(model="fake", source="screen:1", fps=5.0, change_threshold=0.0)
    window = make_window(
        settings, engine_factory=lambda request, status: RecordingEngine(request.config, 0.05)
    )
    try:
        window.show()
        window.start()
        desktop.command("move secret 150 120")
        qtbot.waitUntil(lambda: len(seen) >= 3, timeout=30000)
        desktop.command("move secret 100 100")
        assert "Privacy…" in [a.text() for a in window.findChildren(type(window.privacy.action))]
        for frame in seen:
            assert frame.shape == (800, 1280, 3) and reddish(frame) == 0
        assert any((frame[120:320, 150:450] == 0).all() for frame in seen)
        thumbnails = [item.thumbnail for item in window.timeline_model.retained]
        assert thumbnails and all(reddish(qimage_rgb(image)) == 0 for image in thumbnails)
    finally:
        GUARD.set_rules(PrivacyRules())


def test_idle_session_pauses_and_input_resumes(desktop, qtbot):
    """Idle time from the real X server (MIT-SCREEN-SAVER); XTest input ends the pause."""
    from Xlib import X, display
    from Xlib.ext import xtest

    from videoscan_core.capture.base import Withheld
    from videoscan_core.capture.privacy.guard import PrivacyGuard
    from videoscan_core.capture.privacy.x11_windows import X11Windows

    area = {"left": 0, "top": 0, "width": 64, "height": 64}
    guard = PrivacyGuard(
        PrivacyRules(idle_minutes=0.01, pause_when_locked=False), X11Windows, locked=lambda: False
    )
    grab = lambda: np.zeros((64, 64, 3), np.uint8)  # noqa: E731
    connection = display.Display()
    try:
        qtbot.waitUntil(lambda: isinstance(guard.capture(area, grab), Withheld), timeout=5000)
        assert guard.status.reason == "no input for 0.01 minutes"
        xtest.fake_input(connection, X.MotionNotify, x=5, y=5)
        connection.sync()
        assert isinstance(guard.capture(area, grab), np.ndarray)
    finally:
        connection.close()
        guard.close()
