"""The main window: wires capture, the model worker and the widgets together.

Contract: ``MainWindow(settings, ...)`` owns a capture thread and the engine worker and connects
their signals to the widgets; the GUI thread only routes signals and draws. ``start()`` begins
loading the model and capturing. Closing the window stops capture and the worker within a bounded
time and saves the settings and the window's geometry. Errors from anywhere are shown in the one
banner. The view (``MainView``: banner, chat, timeline, preview, plot, status fields) is built and
owned by ``view``; the toolbar and menus are ``menus`` (``WindowActions``); the features get what
they use and the window keeps what they return. Its helpers each have one job:
``AnswerRouter`` owns the conversation, ``RunRecorder``
counts the run, ``ModelSwitch`` decides what a model change may save, ``StartGate`` holds a video
until the model and the welcome are ready, ``WatchState`` says what the indicator shows. The
window's capture slots live in ``watching.py``, its answer slots in ``answers.py`` and
its model and settings in ``model_mixin.py`` (base classes of ``MainWindow``).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QSettings, QThread, Signal, Slot
from PySide6.QtWidgets import QMainWindow

from videoscan_core.capture.frame_slot import LatestFrameSlot
from videoscan_core.config import GenerationOptions
from videoscan_core.paths import bundled_demo_model

from ..capture.controller import CaptureController
from ..engine.answer_router import AnswerRouter
from ..engine.loading import FrameUpdate, default_engine_factory
from ..engine.worker import EngineWorker
from ..features.alerts_panel import AlertPresenter, load_alerts
from ..features.api_bridge import ApiBridge
from ..features.memory_export import export_with_dialog
from ..features.screen_text import ScreenText, follow_stats
from ..features.spoken_answers import SpokenAnswers
from ..models.conversation import Conversation
from ..models.timeline import TimelineModel
from ..scripting.run_recorder import RunRecorder
from ..scripting.scripted_run import RunReport, ScriptedRun, ScriptPlan
from ..settings import AppSettings
from ..voice.controller import VoiceController
from ..widgets.model_manager import DownloadThread, ModelManagerDialog
from ..widgets.text_search import TextSearch
from . import menus
from .answers import AnswersMixin
from .model_mixin import ModelMixin
from .model_switch import ModelSwitch
from .privacy_indicator import PrivacyIndicator, PrivacyParts
from .quit_guard import confirm_quit, save_unexported
from .start_gate import StartGate, plan_start
from .tray import WatchTray
from .view import MainView, restore_geometry, save_geometry
from .watch_state import WatchState
from .watching import WatchingMixin

log = logging.getLogger("videoscan.app")


class MainWindow(WatchingMixin, AnswersMixin, ModelMixin, QMainWindow):
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
        self.recorder = RunRecorder(self.report, self.script, self.slot, self.capture.privacy, self)
        self.worker = EngineWorker(
            self.slot, engine_factory, GenerationOptions(max_new_tokens=settings.max_new_tokens)
        )
        self.timeline_model = TimelineModel()
        self.demo_model = bundled_demo_model()
        self.voice = VoiceController(settings.speech_options(), settings.max_recording_s, self)
        self.conversation = Conversation()  # changed only by self.answers (AnswerRouter)
        self.view = view = MainView(self.conversation, self.timeline_model)
        self.setCentralWidget(view)
        view.add_status_fields(self.statusBar())
        self.resize(1100, 720)
        self.answers = AnswerRouter(self.conversation, view.chat, view.timeline, self)
        self.tray = WatchTray(self, self.toggle_pause, lambda: self.is_shut_down)
        self.menus = menus.build_toolbar_and_menus(
            self, view.indicator, settings.source, self._menu_slots()
        )
        self.models_dialog: ModelManagerDialog | None = None  # the manager while it is open
        self._set_indicator("idle")
        restore_geometry(self, view, self.store)
        parts = PrivacyParts(self.menus.toolbar, self.menus.watch_menu, self.tray, view.banner,
                             self.statusBar(), lambda: self.settings.fps)  # fmt: skip
        self.privacy = PrivacyIndicator(self, store, parts)  # exclusions, privacy pauses
        self.alerts = load_alerts(self.worker, settings.fps, self)  # "tell me when" conditions
        self.alert_presenter = AlertPresenter(self.tray, self.answers, self)
        self.spoken = SpokenAnswers(lambda: self.settings.speak_answers, self)  # read aloud
        self.screen_text = ScreenText(settings, parent=self)  # read, remembered, searched
        self.capture.text_sink = self.screen_text.on_capture
        self.worker.screen_text = self.screen_text.for_question
        self.text_search = TextSearch(self.screen_text, self.timeline_model, view.timeline,
                                      view.banner, self._show_frame, self)  # fmt: skip
        self.text_search.add_to(self.menus.watch_menu)
        self._text_stats = follow_stats(view.text_status, self.screen_text.stats, self)
        self.api = ApiBridge(self.worker.run_on_engine, self.screen_text, self.show_error, self)
        self._connect()
        self.capture.start_thread()
        self.worker.start()
        self.api.apply(settings)

    @property
    def devices(self) -> list[str]:
        return self.models.devices

    # -- construction -----------------------------------------------------------------------
    def _menu_slots(self) -> menus.MenuSlots:
        def open_models() -> None:
            self.models_dialog = menus.open_models(self, self.settings, self.apply_settings)

        return menus.MenuSlots(
            toggle_pause=self.toggle_pause,
            new_memory=self.new_memory,
            export_conversation=lambda: self.view.chat.export_with_dialog(),
            export_frames=lambda: export_with_dialog(
                self, self.timeline_model, self.view.banner, self.show_error
            ),
            settings=lambda: menus.open_settings(
                self, self.settings, self.devices, self.apply_settings
            ),
            models=open_models,
            alerts=lambda: menus.open_alerts(self, self.alerts),
            welcome=lambda: menus.show_welcome(self),
            about=lambda: menus.show_about(self, self.log_path),
            quit=self.close,
        )

    def _connect(self) -> None:
        capture, worker, answers, view = self.capture, self.worker, self.answers, self.view
        chat, banner, spoken, alerts = view.chat, view.banner, self.spoken, self.alerts
        alerts.sig_alert.connect(self.alert_presenter.show)
        answers.sig_recorded.connect(spoken.on_answer)  # (before a script may close the window)
        worker.sig_answer_started.connect(spoken.stop)  # a new question, however asked
        chat.sig_cancel_requested.connect(spoken.stop)
        alerts.sig_alert.connect(spoken.on_alert)
        self.sig_capture_start.connect(capture.start)
        self.sig_capture_pause.connect(capture.set_paused)
        self.sig_capture_fps.connect(capture.set_fps)
        self.sig_capture_threshold.connect(capture.set_threshold)
        self.sig_capture_new_memory.connect(capture.new_memory)
        capture.sig_session.connect(worker.start_session)
        capture.sig_started.connect(self._on_capture_started)
        capture.sig_preview.connect(self._on_preview)
        capture.sig_error.connect(self._on_capture_error)
        capture.sig_open_failed.connect(self._on_open_failed)
        capture.sig_ended.connect(self._on_source_ended)
        worker.sig_status.connect(view.model_status.setText)
        worker.sig_loading.connect(view.loading.setVisible)
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
        worker.sig_resolved.connect(banner.resolve)
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
        view.timeline.sig_frame_clicked.connect(self._show_frame)
        self.menus.source_picker.sig_source_chosen.connect(self.change_source)
        self.privacy.sig_withheld.connect(self._on_withheld)
        alerts.sig_slow.connect(lambda line: self.show_error(line, "alerts"))
        self.screen_text.sig_failed.connect(lambda message: self.show_error(message, "screen_text"))
        self.recorder.sig_counts.connect(view.counts.setText)
        self.recorder.follow(worker, capture, answers)  # last: after the view has been updated

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
            from ..widgets.welcome_dialog import WelcomeDialog

            self._welcome = WelcomeDialog(self)
            self._welcome.finished.connect(self._on_welcome_closed)
            self._welcome.open()
        self.script.start()
        if plan.note:
            self.menus.source_picker.set_current(plan.source)
            self.view.banner.show_note(plan.note)
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

    @Slot(str)
    def ask(self, question: str, source: str = "typed") -> int:
        answer_id = self.worker.ask(question)
        if answer_id:
            self.answers.queued(answer_id, question, source)
        return answer_id

    @Slot(str)
    def show_error(self, message: str, kind: str = "general", details: str = "") -> None:
        log.warning("%s", message)
        self.recorder.error(message)
        self.view.banner.show_message(message, kind, details)

    # -- the memory ---------------------------------------------------------------------------
    @Slot(object)
    def _on_frame(self, update: FrameUpdate) -> None:
        self.timeline_model.on_frame(update.event, update.thumbnail, update.keepsake)
        self.timeline_model.on_snapshot(update.snapshot)
        self.view.resources.add_sample(update.stats)
        self.view.timeline.refresh()

    @Slot(int)
    def _on_session_started(self, session: int) -> None:
        """A new memory began (a video file, File > New memory): the timeline starts empty."""
        self.timeline_model.reset()
        self.view.timeline.refresh()

    @Slot(object)
    def _on_memory(self, snapshot) -> None:
        self.timeline_model.on_snapshot(snapshot)
        self.view.timeline.refresh()

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
        if not (self._shut_down or self.plan.active or confirm_quit(self, self.view.chat)):
            event.ignore()  # the user chose to stay
            return
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop capture, the worker and any download (bounded waits); safe to call twice."""
        if not self._shut_down:
            save_geometry(self, self.view, self.store)
        self._shut_down = True
        self.tray.hide()
        for thread in self.findChildren(DownloadThread):  # left by a closed model manager
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

    def quit_on_signal(self, first: bool) -> None:
        """SIGINT/SIGTERM (``quit_signals.py``): asks nothing; the first one keeps the answers not
        exported (recovery folder) and marks a scripted run interrupted."""
        if first:
            save_unexported(self.view.chat)
            self.script.interrupt()
        self.shutdown()

    def threads(self) -> list[QThread]:
        """Every thread the window started: the worker, transcription, downloads."""
        threads = [self.worker, self.voice.thread, *self.findChildren(QThread)]
        return list(dict.fromkeys(threads))  # the worker may also be a child: once each
