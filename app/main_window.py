"""The main window: wires capture, the model worker and the widgets together.

Contract: ``MainWindow(settings, ...)`` owns a capture thread and the engine worker and connects
their signals to the widgets; the GUI thread only routes signals and draws. ``start()`` begins
loading the model and capturing. Closing the window stops capture and the worker within a bounded
time and saves the settings. Errors from anywhere are shown in the one banner.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QSettings, Qt, QThread, Signal, Slot
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QMainWindow,
)

from videoscan_core.config import GenerationOptions
from videoscan_core.eval.synthetic import example_questions
from videoscan_core.paths import DEMO_MODEL_ID, bundled_demo_model

from .capture.controller import CaptureController
from .frame_slot import LatestFrameSlot
from .privacy.indicator import attach_privacy
from .quit_guard import confirm_quit
from .scripted_run import AnswerRecord, RunReport, ScriptedRun, ScriptPlan
from .settings import AppSettings
from .timeline_model import TimelineModel
from .tray import WatchTray
from .voice.controller import VoiceController
from .watch_state import INDICATOR_TEXT, WatchState
from .widgets.settings_dialog import SettingsDialog
from .window_layout import build_layout
from .window_menus import build_toolbar_and_menus
from .worker import EngineWorker, default_engine_factory

log = logging.getLogger("videoscan.app")


class MainWindow(QMainWindow):
    sig_capture_start = Signal(str)
    sig_capture_pause = Signal(bool)
    sig_capture_fps = Signal(float)
    sig_capture_threshold = Signal(float)
    sig_capture_new_memory = Signal()
    sig_answer_recorded = Signal(object)  # AnswerRecord (for scripted runs and tests)

    def __init__(
        self,
        settings: AppSettings,
        store: QSettings | None = None,
        engine_factory=default_engine_factory,
        source_factory=None,
        plan: ScriptPlan | None = None,
        playback_speed: float = 1.0,
        first_run: bool = False,
        log_path: str = "",
        explicit_source: bool = False,
    ) -> None:
        super().__init__()
        self.setWindowTitle("VideoScan Desktop")
        self.settings = settings
        self.store = store
        self.plan = plan or ScriptPlan()
        self.script = ScriptedRun(self, self.plan)
        self.report = RunReport(source=settings.source, model=settings.model)
        self.paused = False
        self.watch = WatchState()
        self.explicit_source = explicit_source  # --source given: never replaced by the demo
        self._watching_source = ""  # the source that last opened (saved for the next launch)
        self._pending_source: str | None = None  # a chosen source not opened yet
        self._pending_model: AppSettings | None = None  # settings waiting for their model
        self.devices: list[str] = []  # devices torch can use here (known once a model loaded)
        self._deferred_source: str | None = None
        # what a deferred source still waits for: "model" (ready) and/or "welcome" (closed)
        self._deferred_waits: set[str] = set()
        self._requested_model = ""
        self._shut_down = False
        self.first_run = first_run
        self.log_path = log_path
        self.slot = LatestFrameSlot()
        capture_args = {"source_factory": source_factory} if source_factory else {}
        self.capture = CaptureController(
            self.slot, settings.fps, settings.change_threshold, speed=playback_speed, **capture_args
        )
        self.worker = EngineWorker(
            self.slot, engine_factory, GenerationOptions(max_new_tokens=settings.max_new_tokens)
        )
        self.timeline_model = TimelineModel()
        self.demo_model = bundled_demo_model()
        self.voice = VoiceController(settings.speech_options(), settings.max_recording_s, self)
        build_layout(self)
        self.tray = WatchTray(self)
        self._set_indicator("idle")
        build_toolbar_and_menus(self)
        self._restore_geometry()
        self.privacy = attach_privacy(self)  # exclusions, privacy pauses (app/privacy)
        self._connect()
        self.capture.start_thread()
        self.worker.start()

    # -- construction -----------------------------------------------------------------------
    def _connect(self) -> None:
        capture, worker = self.capture, self.worker
        self.sig_capture_start.connect(capture.start)
        self.sig_capture_pause.connect(capture.set_paused)
        self.sig_capture_fps.connect(capture.set_fps)
        self.sig_capture_threshold.connect(capture.set_threshold)
        self.sig_capture_new_memory.connect(capture.new_memory)
        capture.sig_session.connect(worker.start_session)
        worker.sig_session_started.connect(self._on_session_started)
        capture.sig_started.connect(self._on_capture_started)
        capture.sig_preview.connect(self._on_preview)
        capture.sig_counts.connect(self._on_capture_counts)
        capture.sig_error.connect(self._on_capture_error)
        capture.sig_ended.connect(self._on_source_ended)
        worker.sig_status.connect(self.model_status.setText)
        worker.sig_loading.connect(self.loading.setVisible)
        worker.sig_model_ready.connect(self._on_model_ready)
        worker.sig_model_failed.connect(self._on_model_failed)
        worker.sig_frame_processed.connect(self._on_frame_processed)
        worker.sig_memory.connect(self._on_memory)
        worker.sig_answer_started.connect(self.chat.on_answer_started)
        worker.sig_answer_delta.connect(self.chat.on_answer_delta)
        worker.sig_answer_finished.connect(self._on_answer_finished)
        worker.sig_answer_failed.connect(self.chat.on_answer_failed)
        worker.sig_stats.connect(self.resources.add_sample)
        worker.sig_error.connect(
            lambda kind, message, details: self.show_error(message, kind, details)
        )
        worker.sig_resolved.connect(self.banner.resolve)
        voice = self.voice
        self.chat.mic_button.pressed.connect(voice.press)
        self.chat.mic_button.released.connect(voice.release)
        voice.sig_level.connect(self.chat.set_level)
        voice.sig_recording.connect(self.chat.set_recording)
        voice.sig_busy.connect(self.chat.set_transcribing)
        voice.sig_transcript.connect(self._on_transcript)
        voice.sig_error.connect(lambda message: self.show_error(message, "voice"))
        self.chat.sig_question_submitted.connect(self.ask)
        self.chat.sig_cancel_requested.connect(worker.cancel_answer)
        self.chat.sig_error.connect(lambda message: self.show_error(message, "export"))
        self.source_picker.sig_source_chosen.connect(self.change_source)
        self.chat.frame_lookup = self.timeline_model.items.get
        self.chat.sig_evidence_clicked.connect(self._on_evidence_clicked)
        self.timeline.sig_frame_clicked.connect(self._show_frame)

    # -- running ----------------------------------------------------------------------------
    def start(self) -> None:
        """Load the model (in the worker) and start watching."""
        if self.first_run:  # welcome -> the demo answers -> the model manager
            from .widgets.welcome_dialog import WelcomeDialog

            self._welcome = WelcomeDialog(self)
            self._welcome.finished.connect(self._on_welcome_closed)
            self._welcome.open()
            self._deferred_waits.add("welcome")  # the demo video starts when it is read
        self.script.start()
        model, source = self.settings.model, self.settings.source
        if not model and self.demo_model is not None:
            # nothing chosen yet: the bundled demo model, on a demo video unless a source was
            # given for this run
            model = DEMO_MODEL_ID
            watching = "the source you chose"
            if not self.explicit_source:
                source, watching = "demo:1", "a demo video"
                self.source_picker.set_current(source)
            self.banner.show_note(
                "No model chosen yet: this is the small demo model, trained on synthetic "
                f"shapes, watching {watching}. Try Examples, or pick a real model in "
                "Models (Ctrl+M)."
            )
        if model:
            self._load_model(model)
        else:
            self.show_error(
                "No model chosen: open Models (Ctrl+M) and pick a model folder or "
                "a downloaded model.",
                "model",
            )
        if source.startswith(("file:", "demo:")) and model:
            # a video plays once the model can watch it; live sources start right away
            self._deferred_waits.add("model")
            self.statusBar().showMessage("The video starts when the model is ready…")
        if self._deferred_waits:  # (on a first run nothing is watched before the welcome)
            self._deferred_source = source
            if "welcome" in self._deferred_waits:
                self.statusBar().showMessage("Watching starts when you close the welcome.")
        else:
            self._watch(source)

    def _watch(self, spec: str) -> None:
        self.report.watching(spec)
        self.sig_capture_start.emit(spec)

    @Slot()
    def new_memory(self) -> None:
        """File > New memory: forget what was seen; watching goes on into a fresh memory."""
        self.sig_capture_new_memory.emit()
        self.statusBar().showMessage("Started a new memory: earlier frames are forgotten.", 5000)

    def _load_model(self, model: str, settings: AppSettings | None = None) -> None:
        self._requested_model = model
        self.worker.load_model(model, (settings or self.settings).engine_config())
        is_demo = model == DEMO_MODEL_ID
        self.chat.set_examples(example_questions() if is_demo else [])

    @Slot(str)
    def ask(self, question: str, source: str = "typed") -> int:
        answer_id = self.worker.ask(question)
        if answer_id:
            self.chat.on_question_queued(answer_id, question, source)
        return answer_id

    @Slot()
    def toggle_pause(self) -> None:
        self.set_paused(not self.paused)

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        self.watch.paused = paused
        self.sig_capture_pause.emit(paused)
        self.pause_action.setText("Resume" if paused else "Pause")
        self._show_watch_state()

    @Slot(str)
    def change_source(self, spec: str) -> None:
        """Watch ``spec``; it is saved once it opened, and a failure goes back to the last
        source that worked."""
        self._deferred_source = None
        self._deferred_waits.clear()
        self._pending_source = spec
        self._watch(spec)

    @Slot()
    def open_models(self) -> None:
        from .widgets.model_manager import ModelManagerDialog

        dialog = ModelManagerDialog(self.settings, self)
        dialog.accepted.connect(
            lambda: dialog.chosen_settings and self.apply_settings(dialog.chosen_settings)
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.models_dialog = dialog
        dialog.open()  # window-modal, without a nested event loop

    @Slot()
    def show_about(self) -> None:
        from .widgets.about_dialog import AboutDialog

        AboutDialog(self.log_path, self).exec()

    @Slot()
    def show_welcome(self) -> None:
        from .widgets.welcome_dialog import WelcomeDialog

        WelcomeDialog(self).exec()

    @Slot()
    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self, self.devices or None)
        if dialog.exec() == SettingsDialog.DialogCode.Accepted:
            self.apply_settings(dialog.result_settings())

    def apply_settings(self, new: AppSettings) -> None:
        """Apply and save ``new``; a model or device change is saved only once the new model
        loaded (the working one runs until then, and stays if the new one fails)."""
        old = self.settings
        if new.needs_model_reload(old) and new.model:
            self._pending_model = new
            self._save(new.with_changes(model=old.model, device=old.device, dtype=old.dtype))
            self._load_model(new.model, new)
        else:
            self._save(new)
        if new.needs_model_reload(old):
            pass  # the new engine gets the new stream settings and memory size
        elif new.needs_stream_reset(old):
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
        self.timeline.refresh()

    def _save(self, settings: AppSettings) -> None:
        self.settings = settings
        if self.store is not None:
            settings.save(self.store)

    @Slot(str)
    def show_error(self, message: str, kind: str = "general", details: str = "") -> None:
        log.warning("%s", message)
        self.report.add_error(message)
        self.banner.show_message(message, kind, details)

    def _set_indicator(self, state: str) -> None:
        self.indicator.setText(INDICATOR_TEXT[state])
        self.tray.set_state("recording" if state == "nomodel" else state)  # capture is on

    def _show_watch_state(self) -> None:
        self._set_indicator(self.watch.indicator())

    # -- signal handlers --------------------------------------------------------------------
    @Slot(str)
    def _on_capture_started(self, label: str) -> None:
        self.watch.capturing, self.watch.ended = True, False
        self._show_watch_state()
        self.banner.resolve("capture")
        if self._pending_source is not None:  # a chosen source that works: remember it
            self._watching_source, self._pending_source = self._pending_source, None
            self._save(self.settings.with_changes(source=self._watching_source))
        else:
            self._watching_source = self.report.source
        self.statusBar().showMessage(f"Watching {label}", 4000)

    @Slot(QImage, float)
    def _on_preview(self, image: QImage, timestamp: float) -> None:
        pixmap = QPixmap.fromImage(image)
        self.preview.setPixmap(
            pixmap.scaled(
                self.preview.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )

    @Slot(int, int)
    def _on_capture_counts(self, captured: int, skipped: int) -> None:
        folded = skipped - self.report.frames_skipped_static
        self.report.frames_captured = captured
        self.report.frames_skipped_static = skipped
        if folded > 0:
            self.script.on_frames_folded(folded)
        self._update_counts()

    def _update_counts(self) -> None:
        report = self.report
        report.frames_dropped = self.slot.dropped
        self.counts.setText(
            f"captured {report.frames_captured} · processed "
            f"{report.frames_processed} · unchanged {report.frames_skipped_static}"
            f" · dropped {report.frames_dropped}"
        )

    @Slot(str)
    def _on_capture_error(self, message: str) -> None:
        self.watch.capturing = False
        self._show_watch_state()
        failed, self._pending_source = self._pending_source, None
        back = self._watching_source
        if failed is not None and back and back != failed:  # not remembered; back to what worked
            self.show_error(f"{message}; still watching the previous source", "capture")
            self.source_picker.set_current(back)
            self._watch(back)
        else:
            self.show_error(message, "capture")

    @Slot()
    def _on_source_ended(self) -> None:
        self.watch.capturing, self.watch.ended = False, True
        self._show_watch_state()
        self.script.on_source_ended()

    @Slot(dict)
    def _on_model_ready(self, info: dict) -> None:
        self.report.model = info["source"]
        self.devices = list(info.get("devices", []))
        self.watch.model_ready = True
        self._show_watch_state()
        self.banner.resolve("model")
        self.timeline_model.reset()  # a new model starts a new memory
        self.timeline.refresh()
        pending, self._pending_model = self._pending_model, None
        if pending is not None and pending.model == info["source"]:  # it works: now save it
            self._save(
                self.settings.with_changes(
                    model=pending.model, device=pending.device, dtype=pending.dtype
                )
            )
        name = "the demo model" if info["source"] == DEMO_MODEL_ID else info["source"]
        self.model_status.setText(f"Model {name} · {info['device']} · {info['dtype']}")
        if info["source"] == self._requested_model:  # not a model replaced while loading
            self._release_deferred_source("model")

    @Slot(str)
    def _on_model_failed(self, source: str) -> None:
        if self._pending_model is not None and self._pending_model.model == source:
            self._pending_model = None  # not saved: the next launch uses the working model
        if source == self._requested_model and self._deferred_source is not None:
            self._deferred_source = None  # nothing to watch the video with (the banner says why)
            self._deferred_waits.clear()
            self.statusBar().clearMessage()

    def _release_deferred_source(self, reason: str) -> None:
        """A video source starts once the model is ready and the welcome has been read."""
        self._deferred_waits.discard(reason)
        if self._deferred_source is not None and not self._deferred_waits:
            source, self._deferred_source = self._deferred_source, None
            self._watch(source)

    @Slot(object, QImage, object)
    def _on_frame_processed(self, event, thumbnail: QImage, keepsake: bytes) -> None:
        self.timeline_model.on_frame(event, thumbnail, keepsake)
        self.report.frame_processed()
        self._update_counts()
        self.script.on_frame_processed()

    @Slot(int)
    def _on_session_started(self, session: int) -> None:
        """A new memory began (a video file, File > New memory): the timeline starts empty."""
        self.report.sessions += 1
        self.timeline_model.reset()
        self.timeline.refresh()

    @Slot(object)
    def _on_memory(self, snapshot) -> None:
        self.timeline_model.on_snapshot(snapshot)
        self.report.carriers_retained = snapshot.carriers_retained
        self.timeline.refresh()

    @Slot(int)
    def _on_welcome_closed(self, result: int) -> None:
        if self.store is not None:
            self.store.setValue("first_run_done", True)
        self._release_deferred_source("welcome")

    @Slot(int, object)
    def _on_answer_finished(self, answer_id: int, chunk) -> None:
        self.chat.on_answer_finished(answer_id, chunk)
        self.timeline.set_highlight(getattr(chunk, "evidence_frames", ()))  # the newest answer
        exchange = self.chat.conversation.find(answer_id)
        record = AnswerRecord(
            exchange.question if exchange else "",
            chunk.answer,
            round(chunk.ttft_ms, 1),
            round(chunk.total_ms, 1),
            [round(float(t), 2) for t in getattr(chunk, "evidence", ())],
        )
        self.report.answers.append(record)
        self.sig_answer_recorded.emit(record)
        if self.first_run:  # the first answer seen: point to real models, once, never over it
            self.first_run = False
            self.banner.show_note(
                "That was the demo model. For your own screen, pick a real model in "
                "Models (Ctrl+M)."
            )
        self.script.on_answer_recorded()

    @Slot(int, int)
    def _on_evidence_clicked(self, answer_id: int, frame_index: int) -> None:
        exchange = self.chat.conversation.find(answer_id)
        if exchange is not None:
            self.timeline.set_highlight(exchange.evidence_frames)
        item = self.timeline_model.items.get(frame_index)
        if item is not None:
            self._show_frame(item)

    @Slot(object)
    def _show_frame(self, item) -> None:
        from .widgets.frame_viewer import show_frame

        show_frame(self, item)

    @Slot(str)
    def _on_transcript(self, text: str) -> None:
        if self.script.on_transcript(text):
            return
        if self.settings.voice_autosend:
            self.ask(text, "voice")
        else:
            self.chat.input.setText(text)
            self.chat.input.setFocus()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_F9 and not event.isAutoRepeat():
            self.voice.press()  # push-to-talk: hold F9
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_F9 and not event.isAutoRepeat():
            self.voice.release()
            return
        super().keyReleaseEvent(event)

    # -- closing ----------------------------------------------------------------------------
    @property
    def is_shut_down(self) -> bool:
        return self._shut_down

    def closeEvent(self, event) -> None:
        if not (self._shut_down or self.plan.active or confirm_quit(self)):
            event.ignore()  # the user chose to stay
            return
        self.shutdown()
        super().closeEvent(event)

    def _restore_geometry(self) -> None:
        """Window size, position and splitters as they were when the app was last closed."""
        if self.store is None:
            return
        geometry = self.store.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        for name, splitter in self.splitters.items():
            state = self.store.value(f"window/splitter_{name}")
            if state is not None:
                splitter.restoreState(state)

    def _save_geometry(self) -> None:
        if self.store is None:
            return
        self.store.setValue("window/geometry", self.saveGeometry())
        for name, splitter in self.splitters.items():
            self.store.setValue(f"window/splitter_{name}", splitter.saveState())

    def shutdown(self) -> None:
        """Stop capture, the worker and any download (bounded waits); safe to call twice."""
        if not self._shut_down:
            self._save_geometry()
        self._shut_down = True
        self.tray.hide()
        for thread in self.findChildren(QThread):  # downloads left by a closed model manager
            if hasattr(thread, "cancel"):
                thread.cancel.set()
                thread.wait(5000)
        if not self.capture.shutdown(3000):
            log.warning("the capture thread did not stop in time")
        if not self.worker.stop(5000):
            log.warning("the model worker did not stop in time")
        if not self.voice.shutdown():
            log.warning("the transcription thread did not stop in time")
        self.script.on_shutdown()
