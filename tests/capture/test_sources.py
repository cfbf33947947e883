"""Frame sources on real inputs: a video file, a file standing in for a webcam, a real X screen."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from videoscan_core.capture.base import CaptureError, SourceSpec
from videoscan_core.capture.change_detector import ChangeDetector
from videoscan_core.capture.sources import open_source


def test_source_specs_parse_and_print():
    assert SourceSpec.parse("screen").monitor == 1
    assert str(SourceSpec.parse("screen:2")) == "screen:2"
    assert SourceSpec.parse("region:10,20,300,200").region == (10, 20, 300, 200)
    assert SourceSpec.parse("webcam:1").device == "1"
    assert SourceSpec.parse("file:/tmp/a b.mp4").path == "/tmp/a b.mp4"
    for bad in ("telescope", "region:1,2", "file:", "screen:x", "region:0,0,0,5"):
        with pytest.raises(CaptureError):
            SourceSpec.parse(bad)


def test_video_file_plays_on_its_own_time_base(moving_video):
    source = open_source(SourceSpec.parse(f"file:{moving_video}"))
    assert not source.live and source.duration == pytest.approx(20.0)
    first = source.read(0.0)
    again = source.read(0.1)  # 5 FPS: still the first frame
    assert np.array_equal(first, again)
    later = source.read(1.0)
    assert not np.array_equal(first, later)
    assert source.read(25.0) is None  # past the end
    source.close()


def test_a_file_stands_in_for_a_webcam(moving_video):
    source = open_source(SourceSpec.parse(f"webcam:{moving_video}"))
    frames = [source.read(0.0) for _ in range(3)]
    assert all(f.shape == (64, 96, 3) and f.dtype == np.uint8 for f in frames)
    source.close()


def test_missing_camera_is_a_clear_error():
    with pytest.raises(CaptureError, match="no camera at index 7"):
        open_source(SourceSpec.parse("webcam:7"))


def test_screen_without_a_display_says_what_to_do(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(CaptureError, match="cannot capture the screen.*needs an X11 session"):
        open_source(SourceSpec.parse("screen:1"))


def test_missing_video_is_a_clear_error(tmp_path):
    with pytest.raises(CaptureError, match="does not exist"):
        open_source(SourceSpec.parse(f"file:{tmp_path / 'gone.mp4'}"))


def test_change_detector_skips_identical_frames():
    detector = ChangeDetector(threshold=0.01)
    still = np.full((90, 160, 3), 100, np.uint8)
    moved = still.copy()
    moved[20:70, 40:120] = 255
    assert detector.is_static(still) is False  # the first frame is always new
    assert detector.is_static(still.copy()) is True
    assert detector.is_static(moved) is False
    assert detector.is_static(moved) is True
    always = ChangeDetector(threshold=0)
    assert not always.is_static(still) and not always.is_static(still)


WINDOW_SCRIPT = textwrap.dedent(
    """
    import sys
    from PySide6.QtWidgets import QApplication, QWidget
    from PySide6.QtCore import QTimer
    app = QApplication(sys.argv)
    window = QWidget()
    window.setStyleSheet("background: rgb(220, 30, 40)")
    window.setGeometry(100, 120, 300, 200)
    window.show()
    QTimer.singleShot(300, lambda: print("shown", flush=True))
    sys.exit(app.exec())
    """
)


@pytest.mark.display
@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs an X display (xvfb-run)")
def test_screen_capture_grabs_a_real_window():
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    window = subprocess.Popen(
        [sys.executable, "-c", WINDOW_SCRIPT], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert window.stdout.readline().strip() == "shown"
        source = open_source(SourceSpec.parse("region:100,120,300,200"))
        frame = source.read(0.0)
        source.close()
        assert frame.shape == (200, 300, 3)
        centre = frame[50:150, 50:250].reshape(-1, 3).mean(axis=0)
        assert np.allclose(centre, (220, 30, 40), atol=3), centre
        whole = open_source(SourceSpec.parse("screen:1"))
        screen = whole.read(0.0)
        whole.close()
        assert np.allclose(screen[170, 250], (220, 30, 40), atol=3)
    finally:
        window.kill()
        window.wait()
