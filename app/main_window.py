"""The main window: wires capture, the model worker and the widgets together.

Contract: ``MainWindow(settings, ...)`` owns a capture thread and the engine worker and connects
their signals to the widgets; the GUI thread only routes signals and draws. ``start()`` begins
loading the model and capturing. Closing the window stops capture and the worker within a bounded
time and saves the settings and the window's geometry. Errors from anywhere are shown in the one
banner. Its helpers each have one job: ``AnswerRouter`` owns the conversation, ``RunRecorder``
counts the run, ``ModelSwitch`` decides what a model change may save, ``StartGate`` holds a video
until the model and the welcome are ready, ``WatchState`` says what the indicator shows. The
window's capture slots live in ``window_watching.py`` and its answer slots in ``window_answers.py``
(base classes of ``MainWindow``).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QSettings, QThread, Signal, Slot
from PySide6.QtWidgets import QMainWindow

from videoscan_core.capture.frame_slot import LatestFrameSlot
from videoscan_core.config import GenerationOptions
from videoscan_core.eval.synthetic import example_questions
from videoscan_core.paths import DEMO_MODEL_ID, bundled_demo_model

from .alerts_panel import attach_alerts
from .answer_router import AnswerRouter
from .api_bridge import ApiBridge
from .capture.controller import CaptureController
from .conversation import Conversation
from .engine_loading import FrameUpdate, default_engine_factory
from .model_switch import ModelSwitch
from .privacy.indicator import attach_privacy
from .quit_guard import confirm_quit
from .run_recorder import RunRecorder
from .screen_text import attach_screen_text
from .scripted_run import RunReport, ScriptedRun, ScriptPlan
from .settings import AppSettings
from .spoken_answers import SpokenAnswers
from .start_gate import StartGate, plan_start
from .timeline_model import TimelineModel
from .tray import WatchTray
from .voice.controller import VoiceController
from .watch_state import WatchState
from .window_answers import AnswersMixin
from .window_layout import build_layout, restore_geometry, save_geometry
from .window_menus import build_toolbar_and_menus
from .window_watching import WatchingMixin
from .worker import EngineWorker

log = logging.getLogger("videoscan.app")


class MainWindow(WatchingMixin, AnswersMixin, QMainWindow):
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
        every_frame: bool = False,
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
        self.models = ModelSwitch()
        self.gate = StartGate()
        self.explicit_source = explicit_source  # --source given: never replaced by the demo
        self._watching_source = ""  # the source that last opened (saved for the next launch)
        self._pending_source: str | None = None  # a chosen source not opened yet
        self._shut_down = False
        self.first_run = first_run
        self.log_path = log_path
        self.slot = LatestFrameSlot()
        self.slot.keep_every_frame = every_frame  # --every-frame: no frame of a file is dropped
        capture_args = {"source_factory": source_factory} if source_factory else {}
        self.capture = CaptureController(
            self.slot, settings.fps, settings.change_threshold, speed=playback_speed, **capture_args
        )
        self.recorder = RunRecorder(self.report, self.script, self.slot, self.capture.privacy)
        self.worker = EngineWorker(
            self.slot, engine_factory, GenerationOptions(max_new_tokens=settings.max_new_tokens)
        )
        self.timeline_model = TimelineModel()
        self.demo_model = bundled_demo_model()
        self.voice = VoiceController(settings.speech_options(), settings.max_recording_s, self)
        self.conversation = Conversation()  # changed only by self.answers (AnswerRouter)
        build_layout(self)
        self.answers = AnswerRouter(self.conversation, self.chat, self.timeline, self)
        self.tray = WatchTray(self)
        self._set_indicator("idle")
        build_toolbar_and_menus(self)
        restore_geometry(self, self.store)
        self.privacy = attach_privacy(self)  # exclusions, privacy pauses (app/privacy)
        self.privacy.sig_withheld.connect(self._on_withheld)
        self.alerts = attach_alerts(self)  # "tell me when" conditions (app/alerts_panel.py)
        self.spoken = SpokenAnswers(self)  # answers read aloud when the setting is on
        self.api = ApiBridge(self)  # the API for other programs, when the setting is on
        self.screen_text = attach_screen_text(self)  # read, remembered, searched (Ctrl+F)
        self._connect()
        self.capture.start_thread()
        self.worker.start()
        self.api.apply(settings)

    @property
    def devices(self) -> list[str]:
        return self.models.devices

    # -- construction -----------------------------------------------------------------------
    def _connect(self) -> None:
        capture, worker, chat, answers = self.capture, self.worker, self.chat, self.answers
        self.sig_capture_start.connect(capture.start)
        self.sig_capture_pause.connect(capture.set_paused)
        self.sig_capture_fps.connect(capture.set_fps)
        self.sig_capture_threshold.connect(capture.set_threshold)
        self.sig_capture_new_memory.connect(capture.new_memory)
        capture.sig_session.connect(worker.start_session)
        capture.sig_started.connect(self._on_capture_started)
        capture.sig_preview.connect(self._on_preview)
        capture.sig_counts.connect(self._on_capture_counts)
        capture.sig_error.connect(self._on_capture_error)
        capture.sig_open_failed.connect(self._on_open_failed)
        capture.sig_ended.connect(self._on_source_ended)
        worker.sig_status.connect(self.model_status.setText)
        worker.sig_loading.connect(self.loading.setVisible)
        worker.sig_model_ready.connect(self._on_model_ready)
        worker.sig_model_failed.connect(self._on_model_failed)
        worker.sig_session_started.connect(self._on_session_started)
        worker.sig_frame.connect(self._on_frame)
        worker.sig_memory.connect(self._on_memory)
        worker.sig_answer_waiting.connect(answers.waiting)
        worker.sig_answer_started.connect(answers.started)
        worker.sig_answer_delta.connect(answers.delta)
        worker.sig_answer_finished.connect(answers.finished)
        worker.sig_answer_failed.connect(answers.failed)
        answers.sig_recorded.connect(self._on_answer_recorded)
        worker.sig_error.connect(
            lambda kind, message, details: self.show_error(message, kind, details)
        )
        worker.sig_resolved.connect(self.banner.resolve)
        voice = self.voice
        chat.mic_button.pressed.connect(voice.press)
        chat.mic_button.released.connect(voice.release)
        voice.sig_level.connect(chat.set_level)
        voice.sig_recording.connect(chat.set_recording)
        voice.sig_busy.connect(chat.set_transcribing)
        voice.sig_transcript.connect(self._on_transcript)
        voice.sig_error.connect(lambda message: self.show_error(message, "voice"))
        chat.sig_question_submitted.connect(self.ask)
        chat.sig_cancel_requested.connect(worker.cancel_answer)
        chat.sig_cleared.connect(worker.clear_conversation)
        chat.sig_error.connect(lambda message: self.show_error(message, "export"))
        chat.sig_evidence_clicked.connect(self._on_evidence_clicked)
        self.timeline.sig_frame_clicked.connect(self._show_frame)
        self.source_picker.sig_source_chosen.connect(self.change_source)

    # -- running ----------------------------------------------------------------------------
    def start(self) -> None:
        """Load the model (in the worker) and start watching."""
        plan = plan_start(
            self.settings.model,
            self.settings.source,
            self.demo_model is not None,
            self.explicit_source,
            self.first_run,
        )
        if self.first_run:  # welcome -> the demo answers -> a note about real models
            from .widgets.welcome_dialog import WelcomeDialog

            self._welcome = WelcomeDialog(self)
            self._welcome.finished.connect(self._on_welcome_closed)
            self._welcome.open()
        self.script.start()
        if plan.note:
            self.source_picker.set_current(plan.source)
            self.banner.show_note(plan.note)
        if plan.model:
            self._load_model(plan.model)
        else:
            self.show_error(plan.problem, "model")
        if not plan.waits:
            self._watch(plan.source)
            return
        self.gate.hold(plan.source, set(plan.waits))  # (a first run watches after the welcome)
        if "welcome" in plan.waits:
            self.statusBar().showMessage("Watching starts when you close the welcome.")
        else:
            self.statusBar().showMessage("The video starts when the model is ready…")

    @Slot()
    def new_memory(self) -> None:
        """File > New memory: forget what was seen; watching goes on into a fresh memory."""
        self.sig_capture_new_memory.emit()
        self.statusBar().showMessage("Started a new memory: earlier frames are forgotten.", 5000)

    def _load_model(self, model: str, settings: AppSettings | None = None) -> None:
        self.models.request(model, settings)
        self.worker.load_model(model, (settings or self.settings).engine_config())
        is_demo = model == DEMO_MODEL_ID
        self.chat.set_examples(example_questions() if is_demo else [])

    @Slot(str)
    def ask(self, question: str, source: str = "typed") -> int:
        answer_id = self.worker.ask(question)
        if answer_id:
            self.answers.queued(answer_id, question, source)
        return answer_id

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
        self.api.apply(new)
        self.screen_text.apply(new)
        self.timeline.refresh()

    def _save(self, settings: AppSettings) -> None:
        self.settings = settings
        if self.store is not None and (problem := settings.save(self.store)):
            self.show_error(problem)  # an unwritable settings file is said, not ignored

    @Slot(str)
    def show_error(self, message: str, kind: str = "general", details: str = "") -> None:
        log.warning("%s", message)
        self.recorder.error(message)
        self.banner.show_message(message, kind, details)

    # -- the model and its memory -----------------------------------------------------------
    @Slot(dict)
    def _on_model_ready(self, info: dict) -> None:
        source = info["source"]
        self.report.model = source
        self.watch.model_ready = True
        self._show_watch_state()
        self.banner.resolve("model")
        self.timeline_model.reset()  # a new model starts a new memory
        self.timeline.refresh()
        chosen = self.models.ready(source, info.get("devices", []))
        if chosen is not None:  # it works: now the choice is saved
            self._save(
                self.settings.with_changes(
                    model=chosen.model, device=chosen.device, dtype=chosen.dtype
                )
            )
        name = "Demo model" if source == DEMO_MODEL_ID else f"Model {source}"
        self.model_status.setText(f"{name} · {info['device']} · {info['dtype']}")
        if self.models.is_current(source):  # not a model replaced while loading
            self._release("model")

    @Slot(str)
    def _on_model_failed(self, source: str) -> None:
        self.models.failed(source)  # not saved: the next launch uses the working model
        if self.models.is_current(source) and self.gate.source is not None:
            # the chosen source stays held: it starts once a model loads (the banner says why)
            self.statusBar().showMessage("The video starts once a model loads.")

    @Slot(object)
    def _on_frame(self, update: FrameUpdate) -> None:
        self.timeline_model.on_frame(update.event, update.thumbnail, update.keepsake)
        self.timeline_model.on_snapshot(update.snapshot)
        self.resources.add_sample(update.stats)
        self.timeline.refresh()
        self.recorder.frame(update)
        self.counts.setText(self.recorder.counts_text())

    @Slot(int)
    def _on_session_started(self, session: int) -> None:
        """A new memory began (a video file, File > New memory): the timeline starts empty."""
        self.recorder.session()
        self.timeline_model.reset()
        self.timeline.refresh()

    @Slot(object)
    def _on_memory(self, snapshot) -> None:
        self.timeline_model.on_snapshot(snapshot)
        self.recorder.memory(snapshot.carriers_retained)
        self.timeline.refresh()

    @Slot(int)
    def _on_welcome_closed(self, result: int) -> None:
        if self.store is not None:
            self.store.setValue("first_run_done", True)
        self._release("welcome")

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

    def shutdown(self) -> None:
        """Stop capture, the worker and any download (bounded waits); safe to call twice."""
        if not self._shut_down:
            save_geometry(self, self.store)
        self._shut_down = True
        self.tray.hide()
        for thread in self.findChildren(QThread):  # downloads left by a closed model manager
            if hasattr(thread, "cancel"):
                thread.cancel.set()
                thread.wait(5000)
        self.api.shutdown()  # before the worker: its requests run there
        if not self.capture.shutdown(3000):
            log.warning("the capture thread did not stop in time")
        self.screen_text.shutdown()
        if not self.worker.stop(5000):
            log.warning("the model worker did not stop in time")
        if not self.voice.shutdown():
            log.warning("the transcription thread did not stop in time")
        self.script.on_shutdown()
