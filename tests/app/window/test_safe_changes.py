"""Model, device and source changes are safe: checked first, the working one keeps running, a
failure is explained in one line and never saved; the indicator and the banner tell the truth."""

from __future__ import annotations

import pytest

from app.engine.loading import default_engine_factory
from app.settings import AppSettings
from app.widgets.error_banner import ErrorBanner
from app.widgets.settings_dialog import SettingsDialog


@pytest.fixture
def checked_factory(tiny_engine_factory):
    """The tiny in-memory engine for "tiny"; anything else goes through the real check + load."""

    def factory(request, status):
        if request.source == "tiny":
            return tiny_engine_factory(request, status)
        return default_engine_factory(request, status)

    return factory


def start_on_tiny(make_window, qtbot, factory, moving_video):
    settings = AppSettings(model="tiny", source=f"file:{moving_video}", fps=5.0, memory_size=8)
    window = make_window(settings, engine_factory=factory, playback_speed=2.0)
    window.show()
    with qtbot.waitSignal(window.worker.sig_model_ready, timeout=30000):
        window.start()
    qtbot.waitUntil(lambda: window.report.frames_processed >= 2, timeout=30000)
    return window


@pytest.mark.parametrize(
    "folder_files, expected",
    [((), "no config.json"), (("config.json",), "has no weights")],
)
def test_a_broken_model_folder_keeps_the_working_model_and_is_not_saved(
    make_window, qtbot, checked_factory, moving_video, tmp_path, tiny_model_dir, settings_store,
    folder_files, expected,
):
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in folder_files:
        (broken / name).write_bytes((tiny_model_dir / name).read_bytes())
    window = start_on_tiny(make_window, qtbot, checked_factory, moving_video)
    with qtbot.waitSignal(window.worker.sig_model_failed, timeout=10000):
        window.apply_settings(window.settings.with_changes(model=str(broken)))
    qtbot.waitUntil(lambda: "still using tiny" in window.view.banner.text)  # (queued to the window)
    assert expected in window.view.banner.text
    assert "sentencepiece" not in window.view.banner.text and "\n" not in window.view.banner.text
    assert window.settings.model == "tiny" and settings_store.value("model") in (None, "tiny")
    seen = window.report.frames_processed
    qtbot.waitUntil(lambda: window.report.frames_processed > seen, timeout=10000)  # still going
    assert "Watching" in window.view.indicator.text()


@pytest.mark.skipif(
    __import__("torch").cuda.is_available(), reason="needs a machine without a CUDA GPU"
)
def test_a_device_that_is_not_here_is_explained_and_not_saved(
    make_window, qtbot, moving_video, tiny_model_dir, settings_store
):
    settings = AppSettings(model=str(tiny_model_dir), source=f"file:{moving_video}", fps=5.0)
    window = make_window(settings, playback_speed=2.0)
    with qtbot.waitSignal(window.worker.sig_model_ready, timeout=60000):
        window.start()
    qtbot.waitUntil(lambda: "cpu" in window.devices)  # (the worker's signal reaches it queued)
    assert "cuda" not in window.devices
    with qtbot.waitSignal(window.worker.sig_model_failed, timeout=10000):
        window.apply_settings(window.settings.with_changes(device="cuda"))
    qtbot.waitUntil(lambda: "no CUDA GPU" in window.view.banner.text)
    assert "--device" not in window.view.banner.text
    assert window.settings.device == "auto" and settings_store.value("device") in (None, "auto")
    dialog = SettingsDialog(window.settings, window, window.devices)
    qtbot.addWidget(dialog)
    offered = [dialog.device.itemData(i) for i in range(dialog.device.count())]
    assert offered == ["auto", "cpu"]


def test_the_settings_dialog_checks_a_changed_model_before_closing(qtbot, tmp_path):
    dialog = SettingsDialog(AppSettings(model="videoscan-demo"), devices=["cpu"])
    qtbot.addWidget(dialog)
    tabs = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert tabs == ["Basic", "Advanced", "Screen text"]  # 0925ec7 added the third
    dialog.model.setText(str(tmp_path))
    dialog.accept()
    assert dialog.result() != SettingsDialog.DialogCode.Accepted
    assert "no config.json" in dialog.problem.text()


def test_a_failed_source_is_not_remembered_and_the_working_one_resumes(
    make_window, qtbot, checked_factory, moving_video, settings_store
):
    window = start_on_tiny(make_window, qtbot, checked_factory, moving_video)
    with qtbot.waitSignal(window.view.banner.sig_shown, timeout=10000):
        window.change_source("webcam:7")
    assert "No camera at index 7" in window.view.banner.text
    qtbot.waitUntil(lambda: window.watch.capturing, timeout=10000)  # back on the video
    assert window.settings.source == f"file:{moving_video}"
    assert settings_store.value("source") in (None, f"file:{moving_video}")


def test_an_explicit_source_is_watched_by_the_demo_model(
    make_window, qtbot, monkeypatch, tmp_path, tiny_model_dir, moving_video
):
    monkeypatch.setenv("VIDEOSCAN_DEMO_MODEL", str(tiny_model_dir))
    source = f"file:{moving_video}"
    window = make_window(AppSettings(model="", source=source, fps=5.0), explicit_source=True)
    with qtbot.waitSignal(window.worker.sig_model_ready, timeout=60000):
        window.start()
    qtbot.waitUntil(lambda: window.report.frames_processed >= 1, timeout=30000)
    assert window.report.source == source and "the source you chose" in window.view.banner.text


def test_without_a_model_the_indicator_does_not_claim_watching(
    make_window, qtbot, moving_video, monkeypatch, tmp_path
):
    monkeypatch.setenv("VIDEOSCAN_DEMO_MODEL", str(tmp_path / "none"))
    window = make_window(AppSettings(model="", source=f"file:{moving_video}"))
    with qtbot.waitSignal(window.capture.sig_started, timeout=10000):
        window.start()
    # the capture thread's signal reaches the window queued: wait until the window heard it
    qtbot.waitUntil(lambda: window.watch.capturing, timeout=5000)
    assert "Watching" not in window.view.indicator.text()
    window.set_paused(True)
    window.set_paused(False)
    indicator = window.view.indicator.text()
    assert "Watching" not in indicator and "no model" in indicator


def test_the_banner_counts_repeats_and_clears_when_the_cause_is_gone(qtbot):
    banner = ErrorBanner()
    qtbot.addWidget(banner)
    banner.show()
    for _ in range(3):
        banner.show_message("frame failed", "frame", "Traceback…")
    assert banner.text.endswith("(3 times)") and banner._details_button.isVisibleTo(banner)
    banner.show_message("microphone missing", "voice")
    assert "times" not in banner.text
    banner.resolve("frame")  # another kind is shown: it stays
    assert banner.isVisible()
    banner.show_message("frame failed", "frame")
    banner.resolve("frame")
    assert not banner.isVisible()
    banner.show_message("frame failed", "frame")
    assert "times" not in banner.text  # counted afresh after the success
    banner.show_message("x" * 400 + "\nsecond line", "general")
    assert len(banner.text) < 200 and "second line" not in banner.text
