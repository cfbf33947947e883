"""Settings persist through QSettings and apply to a running session."""

from __future__ import annotations

import pytest

from app.settings import AppSettings
from app.widgets.settings_dialog import SettingsDialog


def test_settings_round_trip_and_bad_values_fall_back(settings_store):
    custom = AppSettings(
        model="/models/x",
        memory_size=16,
        fps=2.5,
        keep_topk=4,
        position_mode="monotonic",
        source="webcam:1",
    )
    custom.save(settings_store)
    assert AppSettings.load(settings_store) == custom
    settings_store.setValue("memory_size", "lots")
    settings_store.setValue("fps", 99)
    loaded = AppSettings.load(settings_store)
    assert (loaded.memory_size, loaded.fps) == (64, 1.0)  # the defaults
    assert (loaded.model, loaded.keep_topk, loaded.source) == ("/models/x", 4, "webcam:1")


def test_invalid_settings_are_refused():
    with pytest.raises(ValueError, match="between 0.2 and 5"):
        AppSettings(fps=10)
    with pytest.raises(ValueError, match="memory size"):
        AppSettings(memory_size=0)


def test_what_needs_a_reload():
    base = AppSettings(model="a")
    assert base.with_changes(model="b").needs_model_reload(base)
    assert base.with_changes(dtype="bfloat16").needs_model_reload(base)
    assert not base.with_changes(memory_size=8).needs_model_reload(base)
    assert base.with_changes(keep_topk=2).needs_stream_reset(base)
    assert base.engine_config().device is None and base.engine_config().memory_size == 64


def test_dialog_returns_the_edited_settings(qtbot):
    dialog = SettingsDialog(AppSettings())
    qtbot.addWidget(dialog)
    dialog.memory.setValue(12)
    dialog.fps.setValue(3.0)
    dialog.position.setCurrentText("monotonic")
    dialog.model.setText("  /models/tiny ")
    result = dialog.result_settings()
    assert (result.memory_size, result.fps, result.position_mode, result.model) == (
        12,
        3.0,
        "monotonic",
        "/models/tiny",
    )


def test_dialog_offers_exactly_the_ranges_the_settings_accept(qtbot):
    from app.settings import RANGES

    dialog = SettingsDialog(AppSettings())
    qtbot.addWidget(dialog)
    spins = {
        "memory_size": dialog.memory, "fps": dialog.fps, "change_threshold": dialog.threshold,
        "keep_topk": dialog.topk, "recent_frames": dialog.recent,
        "max_new_tokens": dialog.max_tokens, "max_recording_s": dialog.max_recording,
    }  # fmt: skip
    for name, spin in spins.items():
        assert (spin.minimum(), spin.maximum()) == RANGES[name], name


def test_smaller_memory_applies_to_the_running_stream(
    make_window, qtbot, moving_video, tiny_engine_factory, settings_store
):
    settings = AppSettings(model="tiny", source=f"file:{moving_video}", memory_size=8, fps=5.0)
    window = make_window(settings, engine_factory=tiny_engine_factory, playback_speed=4.0)
    window.start()
    qtbot.waitUntil(lambda: window.report.carriers_retained == 8, timeout=30000)
    window.set_paused(True)
    window.apply_settings(window.settings.with_changes(memory_size=3))
    qtbot.waitUntil(lambda: window.view.timeline.counter_text == "3 / 3", timeout=10000)
    assert AppSettings.load(settings_store).memory_size == 3
