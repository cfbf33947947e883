"""Webcams: only cameras that open are offered, and a source that fails to open is a banner while
the source being watched goes on where it was (no restart, no new memory)."""

from __future__ import annotations

from app.settings import AppSettings
from app.widgets.source_picker import SourcePicker

from .fakes import SlowEngine


def specs(picker) -> list[str]:
    return [str(picker.itemData(i)) for i in range(picker.count())]


def test_only_cameras_that_open_are_listed(qtbot):
    picker = SourcePicker(camera_probe=lambda: [2])
    qtbot.addWidget(picker)
    qtbot.waitUntil(lambda: "webcam:2" in specs(picker), timeout=5000)
    assert "webcam:0" not in specs(picker) and "webcam:1" not in specs(picker)
    assert picker.itemText(picker.findData("webcam:2")) == "Webcam 2"
    none = SourcePicker(camera_probe=lambda: [])
    qtbot.addWidget(none)
    qtbot.waitUntil(lambda: none.cameras_checked, timeout=5000)
    assert not [s for s in specs(none) if s.startswith("webcam:")]


def test_a_camera_that_fails_to_open_leaves_the_video_playing_on(make_window, qtbot, moving_video):
    window = make_window(
        AppSettings(model="fake", source=f"file:{moving_video}"),
        engine_factory=lambda request, status: SlowEngine(request.config, step_s=0.0),
    )
    window.show()
    window.start()
    qtbot.waitUntil(lambda: window.report.frames_processed >= 2, timeout=20000)
    sessions, seen = window.report.sessions, window.timeline_model.now
    with qtbot.waitSignal(window.view.banner.sig_shown, timeout=10000):
        window.change_source("webcam:7")  # no such camera
    processed = window.report.frames_processed
    qtbot.waitUntil(lambda: window.report.frames_processed >= processed + 2, timeout=20000)
    assert window.view.banner.isVisible() and "No camera at index 7" in window.view.banner.text
    assert window.report.sessions == sessions  # the same memory: the video was not restarted
    assert window.timeline_model.now > seen  # and it went on from where it was
    assert window.menus.source_picker.current_spec == f"file:{moving_video}"
    assert window.settings.source == f"file:{moving_video}"
