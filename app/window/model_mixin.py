"""The window's model part: loading a model, applying and saving settings, a model that loaded
or failed.

Contract: ``ModelMixin`` is a base class of ``MainWindow`` (``main_window.py``), split off along
the model seam: ``_load_model`` asks the worker for a model (the demo's example questions in the
chat with the demo model), ``apply_settings`` applies and saves new settings (a model or device
change is saved only once the new model loaded, through ``ModelSwitch``), ``_save`` writes the
settings (an unwritable file is said in the banner), and the worker's ready / failed slots. It
uses the window's own parts (``worker``, ``models``, ``gate``, ``watch``, ``report``, ``view``,
``voice``, ``api``, ``screen_text``) and adds no attribute to the window that
``MainWindow.__init__`` does not make.
"""

from __future__ import annotations

from PySide6.QtCore import Slot

from videoscan_core.config import GenerationOptions
from videoscan_core.eval.synthetic import example_questions
from videoscan_core.paths import DEMO_MODEL_ID

from ..settings import AppSettings


class ModelMixin:
    def _load_model(self, model: str, settings: AppSettings | None = None) -> None:
        self.models.request(model, settings)
        self.worker.load_model(model, (settings or self.settings).engine_config())
        is_demo = model == DEMO_MODEL_ID
        self.view.chat.set_examples(example_questions() if is_demo else [])

    # -- settings ---------------------------------------------------------------------------
    def apply_settings(self, new: AppSettings) -> None:
        """Apply and save ``new``; a model or device change is saved only once the new model
        loaded (the working one runs until then, and stays if the new one fails)."""
        old = self.settings
        model = new.model or (DEMO_MODEL_ID if self.demo_model is not None else "")
        if new.needs_model_reload(old) and model:  # (the demo model too: its name is "")
            self._save(new.with_changes(model=old.model, device=old.device, dtype=old.dtype))
            self._load_model(model, new)
        else:
            self._save(new)
        if not new.needs_model_reload(old):  # (a new engine gets the new stream and memory)
            if new.needs_stream_reset(old):
                self.timeline_model.reset()
                self.worker.reset_stream(new.engine_config())
            elif new.memory_size != old.memory_size:
                self.worker.set_memory_size(new.memory_size)
        if (new.speech_options(), new.max_recording_s) != (
            old.speech_options(),
            old.max_recording_s,
        ):
            self.voice.set_options(new.speech_options(), new.max_recording_s)
        if new.fps != old.fps:
            self.sig_capture_fps.emit(new.fps)
        if new.change_threshold != old.change_threshold:
            self.sig_capture_threshold.emit(new.change_threshold)
        self.worker.options = GenerationOptions(max_new_tokens=new.max_new_tokens)
        self.api.apply(new)
        self.screen_text.apply(new)
        self.view.timeline.refresh()

    def _save(self, settings: AppSettings) -> None:
        self.settings = settings
        if self.store is not None and (problem := settings.save(self.store)):
            self.show_error(problem)  # an unwritable settings file is said, not ignored

    @Slot(dict)
    def _on_model_ready(self, info: dict) -> None:
        source = info["source"]
        self.report.model = source
        self.watch.model_ready = True
        self._show_watch_state()
        self.view.banner.resolve("model")
        self.timeline_model.reset()  # a new model starts a new memory
        self.view.timeline.refresh()
        chosen = self.models.ready(source, info.get("devices", []))
        if chosen is not None:  # it works: now the choice is saved
            self._save(
                self.settings.with_changes(
                    model=chosen.model, device=chosen.device, dtype=chosen.dtype
                )
            )
        name = "Demo model" if source == DEMO_MODEL_ID else f"Model {source}"
        self.view.model_status.setText(f"{name} · {info['device']} · {info['dtype']}")
        if self.models.is_current(source):  # not a model replaced while loading
            self._release("model")

    @Slot(str)
    def _on_model_failed(self, source: str) -> None:
        self.models.failed(source)  # not saved: the next launch uses the working model
        if self.models.is_current(source) and self.gate.source is not None:
            # the chosen source stays held: it starts once a model loads (the banner says why)
            self.statusBar().showMessage("The video starts once a model loads.")
