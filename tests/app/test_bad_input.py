"""Bad input gives a clear message in the banner and the app keeps running."""

from __future__ import annotations

import pytest

from app.settings import AppSettings

from .fakes import SlowEngine


@pytest.mark.parametrize(
    "source, expected",
    [("file:/nonexistent/clip.mp4", "does not exist"), ("webcam:7", "no camera at index 7")],
)
def test_bad_sources_show_a_message_and_the_app_keeps_running(
    make_window, qtbot, source, expected, moving_video
):
    window = make_window(AppSettings(model="", source=source))
    window.show()
    with qtbot.waitSignal(
        window.view.banner.sig_shown,
        timeout=10000,
        check_params_cb=lambda message: expected in message,
    ):
        window.sig_capture_start.emit(source)
    assert window.view.banner.isVisible() and expected.lower() in window.view.banner.text.lower()
    # still alive: switching to a working source captures frames
    window.change_source(f"file:{moving_video}")
    qtbot.waitUntil(lambda: window.report.frames_captured > 0, timeout=10000)


def test_empty_model_folder_shows_a_message(make_window, qtbot, tmp_path, moving_video):
    (tmp_path / "empty-model").mkdir()
    window = make_window(
        AppSettings(model=str(tmp_path / "empty-model"), source=f"file:{moving_video}")
    )
    with qtbot.waitSignal(window.view.banner.sig_shown, timeout=60000):
        window.start()
    assert "no config.json" in window.view.banner.text
    assert window.view.model_status.text() == "No model loaded"
    assert window.gate.source == f"file:{moving_video}"  # the video waits for a model to load
    # questions without a model get a clear answer instead of hanging
    with qtbot.waitSignal(window.worker.sig_answer_failed, timeout=5000):
        window.ask("Anyone there?")
    # (the worker's signal reaches the window queued: wait for the window, not the signal)
    qtbot.waitUntil(lambda: "No model" in window.view.chat.conversation.exchanges[-1].answer)


def test_no_model_and_no_demo_model_is_explained(
    make_window, qtbot, moving_video, monkeypatch, tmp_path
):
    monkeypatch.setenv("VIDEOSCAN_DEMO_MODEL", str(tmp_path / "no-demo-here"))
    window = make_window(AppSettings(model="", source=f"file:{moving_video}"))
    window.start()
    assert "No model chosen" in window.view.banner.text


def test_without_a_model_the_demo_model_watches_a_demo_video(
    make_window, qtbot, monkeypatch, tmp_path, tiny_model_dir
):
    monkeypatch.setenv("VIDEOSCAN_DEMO_MODEL", str(tiny_model_dir))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    window = make_window(AppSettings(model="", source="screen:1", fps=5.0))
    with qtbot.waitSignal(window.worker.sig_model_ready, timeout=60000):
        window.start()
    assert (
        "demo model" in window.view.banner.text
        and window.menus.source_picker.current_spec == "demo:1"
    )
    qtbot.waitUntil(lambda: window.report.frames_processed >= 2, timeout=30000)
    assert (tmp_path / "videoscan" / "demo-1.mp4").is_file()
    assert window.view.chat._examples.isVisibleTo(window)  # example questions for the demo model


def test_worker_errors_do_not_stop_the_worker(make_window, qtbot, moving_video):
    class FailingOnce(SlowEngine):
        failed = False

        def add_frame(self, frame, timestamp):
            if not FailingOnce.failed:
                FailingOnce.failed = True
                raise RuntimeError("simulated failure")
            return super().add_frame(frame, timestamp)

    settings = AppSettings(model="slow", source=f"file:{moving_video}", fps=5.0)
    window = make_window(
        settings, playback_speed=4.0, engine_factory=lambda r, s: FailingOnce(r.config, step_s=0.01)
    )
    with qtbot.waitSignal(window.view.banner.sig_shown, timeout=10000):
        window.start()
    assert "simulated failure" in window.view.banner.text
    qtbot.waitUntil(lambda: window.report.frames_processed >= 3, timeout=10000)
