"""Text-sized changes on a screen count; a blinking caret, a ticking clock and compression noise
do not. Screens are drawn with Qt's text rendering (12 px), and one test runs on a real X screen.

Measured with these scenes (1600x1000, regions in screen pixels): a changed line 188x14, an added
line 258x14, popups 130x36 and 200x60, the focus moving to the next field 262x66; below the
44x30 cut-off: the caret 2x16, the clock's seconds 6x2, a minute 16x8, ten minutes 34x10.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tests.app.screen_scenes import LINES, render
from videoscan_core.capture.change_detector import ChangeDetector
from videoscan_core.video import import_cv2

CHANGED_LINE = "Lunch at 13:00 in the big meeting room"
CHANGES = {
    "a changed line": dict(lines=LINES[:3] + [CHANGED_LINE] + LINES[4:]),
    "a new chat line": dict(lines=LINES + ["New message from Anna: are you coming?"]),
    "a small popup": dict(popup=(130, 35, "CALL MOM")),
    "a notification": dict(popup=(200, 60, "INVOICE 42 due MEETING 3PM")),
    "the focus moving to the next field": dict(focus=1),
}
NOT_CHANGES = {
    "the caret blinking": dict(caret=False),
    "the clock ticking": dict(clock="14:05:33"),
    "the clock's minute": dict(clock="14:06:00"),
    "ten minutes on the clock": dict(clock="14:10:00"),
}


def after(base: np.ndarray, frame: np.ndarray, threshold: float = 0.01) -> bool:
    detector = ChangeDetector(threshold)
    assert detector.is_static(base) is False  # the first frame is always new
    return detector.is_static(frame)


@pytest.mark.parametrize("change", CHANGES)
def test_text_sized_changes_count(qapp, change):
    assert after(render(), render(**CHANGES[change])) is False


@pytest.mark.parametrize("change", NOT_CHANGES)
def test_caret_and_clock_do_not_count(qapp, change):
    assert after(render(), render(**NOT_CHANGES[change])) is True


def test_old_global_mean_would_have_missed_them(qapp):
    """The reason for tiles: the whole-frame mean difference of these changes is tiny."""
    detector = ChangeDetector(0.01)
    detector.is_static(render())
    assert detector.difference(render(**CHANGES["a changed line"])) < 0.001
    assert detector.difference(render(**CHANGES["a notification"])) < 0.01


def test_compression_noise_does_not_count(qapp, tmp_path):
    cv2 = import_cv2()
    screen = render()
    for better, worse in [(95, 50), (90, 70), (80, 60)]:
        encoded = [
            cv2.imdecode(cv2.imencode(".jpg", screen, [cv2.IMWRITE_JPEG_QUALITY, q])[1], 1)
            for q in (better, worse)
        ]
        assert after(*encoded) is True, (better, worse)
    # a video of the static screen with sensor noise, through a real encoder and decoder
    rng = np.random.default_rng(0)
    path = tmp_path / "static.mp4"
    small = screen[:480, :640]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 5, (640, 480))
    for _ in range(15):
        noise = rng.normal(0, 3, small.shape)
        writer.write(np.clip(small + noise, 0, 255).astype(np.uint8))
    writer.release()
    capture = cv2.VideoCapture(str(path))
    detector, statics = ChangeDetector(0.01), []
    while (ok := capture.read())[0]:
        statics.append(detector.is_static(ok[1]))
    capture.release()
    assert len(statics) == 15 and statics[0] is False and all(statics[1:])


def test_a_line_changing_in_a_video_of_the_screen_counts(qapp):
    cv2 = import_cv2()
    quality = [cv2.IMWRITE_JPEG_QUALITY, 60]
    before = cv2.imdecode(cv2.imencode(".jpg", render(), quality)[1], 1)
    changed = cv2.imdecode(cv2.imencode(".jpg", render(**CHANGES["a changed line"]), quality)[1], 1)
    assert after(before, changed) is False


SCREEN_SCRIPT = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QSocketNotifier
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget
    app = QApplication(sys.argv)
    window = QWidget()
    window.setGeometry(0, 0, 900, 600)
    layout = QVBoxLayout(window)
    font = QFont("DejaVu Sans")
    font.setPixelSize(12)
    labels = []
    for text in ["Inbox: 3 unread", "Build passed on main", "Lunch at 12:30", "14:05:32"]:
        label = QLabel(text)
        label.setFont(font)
        layout.addWidget(label)
        labels.append(label)
    layout.addStretch(1)
    window.show()
    def command():
        line = sys.stdin.readline().strip()
        if line == "line":
            labels[2].setText("Lunch moved to 13:00, meeting room B")
        elif line == "tick":
            labels[3].setText("14:05:33")
        app.processEvents()
        window.repaint()
        app.processEvents()
        print("done", flush=True)
    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(command)
    print("done", flush=True)
    sys.exit(app.exec())
    """
)


@pytest.mark.display
@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs an X display (xvfb-run)")
def test_on_a_real_x_screen_a_text_line_counts_and_a_clock_tick_does_not():
    import mss

    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    window = subprocess.Popen(
        [sys.executable, "-c", SCREEN_SCRIPT],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )

    def send(command: str) -> np.ndarray:
        window.stdin.write(command + "\n")
        window.stdin.flush()
        assert window.stdout.readline().strip() == "done"
        shot = grabber.grab(grabber.monitors[1])  # what ScreenSource grabs, without the rest
        bgra = np.frombuffer(shot.bgra, np.uint8).reshape(shot.height, shot.width, 4)
        return bgra[:, :, 2::-1].copy()

    try:
        assert window.stdout.readline().strip() == "done"
        grabber = mss.MSS() if hasattr(mss, "MSS") else mss.mss()
        detector = ChangeDetector(0.01)
        assert detector.is_static(send("nothing")) is False
        assert detector.is_static(send("nothing")) is True
        assert detector.is_static(send("tick")) is True
        assert detector.is_static(send("line")) is False
        grabber.close()
    finally:
        window.kill()
        window.wait()


def test_the_regions_of_an_accepted_frame_say_what_changed_whole_without_a_reference():
    detector = ChangeDetector(threshold=0.01)
    first = np.full((720, 1280, 3), 200, np.uint8)
    assert not detector.is_static(first)
    assert detector.last_regions == [(0, 0, 0, 0)]  # a first frame: all of it is new
    second = first.copy()
    second[400:430, 300:700] = 20  # a new line of text
    assert not detector.is_static(second)
    ((x, y, w, h),) = detector.last_regions
    assert 290 <= x <= 300 and 390 <= y <= 400 and w >= 390 and h >= 25
    detector.reset()
    assert not detector.is_static(second) and detector.last_regions == [(0, 0, 0, 0)]
