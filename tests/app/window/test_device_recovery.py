"""A bad device can be fixed from the window: any device or precision change reloads the model in
use (the demo model too, whose saved model name is empty), and the source held for a model that
failed to load starts once one loads."""

from __future__ import annotations

from app.settings import AppSettings
from videoscan_core.errors import ModelLoadError
from videoscan_core.paths import DEMO_MODEL_ID

from ..fakes import SlowEngine


def no_cuda_factory(loads: list):
    def factory(request, status):
        loads.append((request.source, request.config.device))
        if request.config.device == "cuda":
            raise ModelLoadError("This computer has no CUDA GPU: choose the CPU (or Automatic).")
        return SlowEngine(request.config, step_s=0.0)

    return factory


def test_device_automatic_reloads_the_demo_model_and_the_video_starts(
    make_window, qtbot, moving_video, settings_store
):
    loads: list = []
    window = make_window(
        AppSettings(model="", device="cuda", source=f"file:{moving_video}"),
        engine_factory=no_cuda_factory(loads),
        explicit_source=True,
    )
    window.show()
    with qtbot.waitSignal(window.worker.sig_model_failed, timeout=10000):
        window.start()
    assert not window.watch.capturing  # the video waits for a model
    with qtbot.waitSignal(window.worker.sig_model_ready, timeout=10000):
        window.apply_settings(window.settings.with_changes(device="auto"))  # Settings > OK
    assert loads == [(DEMO_MODEL_ID, "cuda"), (DEMO_MODEL_ID, None)]
    qtbot.waitUntil(lambda: window.watch.capturing, timeout=10000)  # the held video plays
    assert window.report.source == f"file:{moving_video}"
    assert AppSettings.load(settings_store).device == "auto"  # saved once it worked
    assert "Watching" in window.view.indicator.text()


def test_a_precision_change_reloads_a_chosen_model(make_window, qtbot, moving_video):
    loads: list = []
    window = make_window(
        AppSettings(model="some-model", source=f"file:{moving_video}"),
        engine_factory=no_cuda_factory(loads),
    )
    with qtbot.waitSignal(window.worker.sig_model_ready, timeout=10000):
        window.start()
    with qtbot.waitSignal(window.worker.sig_model_ready, timeout=10000):
        window.apply_settings(window.settings.with_changes(dtype="float32"))
    assert [source for source, _ in loads] == ["some-model", "some-model"]
