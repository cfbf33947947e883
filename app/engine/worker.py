"""The model worker: a thread that owns the streaming engine.

Contract: ``EngineWorker`` (a QThread) loads the model, takes frames from the latest-frame slot,
and answers questions; it never blocks the GUI. Commands (``load_model``, ``ask``,
``cancel_answer``, ``set_memory_size``, ``reset_stream``, ``start_session``,
``clear_conversation``, ``stop``) are thread-safe calls that enqueue typed commands
(``commands.py``) in a bounded queue and wake the thread; commands run before the next
frame, so a question asked during a frame step is answered right after it. Stops are keyed by
answer id (a question stopped while it waits is not answered); a question asked before the memory
holds any frame waits for the first one (``sig_answer_waiting``) rather than being answered from
nothing (``questions.py``). Stream settings sent while no model is loaded
(``set_memory_size``, ``reset_stream``) are kept and given to the next model that loads; a model
that loads starts with no conversation (``clear_conversation`` holds at once). Frames carry their
capture session: a new session resets the engine (memory and clock, ``sig_session_started``), a new
segment of the same session continues it on the engine's session clock, and frames of an older
session are dropped. Each processed frame is one ``sig_frame`` (a ``FrameUpdate``: event,
thumbnail, keepsake, memory snapshot, resource stats); ``sig_memory`` reports memory changes
between frames (folds, memory size, resets). Answer text is coalesced into one signal per ~50 ms.
Every failure becomes ``sig_error(kind, message, details)`` with one line for people (kind:
"model", "frame", "answer" or "command"; details: the full error text) and ``sig_resolved(kind)``
says when that kind works again; the worker keeps running. A failing frame logs its traceback once,
then a count. A model load is checked first and the working model keeps running until the new one
is ready; a failed load leaves it in place (``sig_model_failed``). The engine is made by
``loading.py``, in this thread (torch is imported here, not at GUI start).
"""

from __future__ import annotations

import collections
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QThread, Signal

from videoscan_core.capture.frame_slot import LatestFrameSlot
from videoscan_core.capture.sessions import StreamTag
from videoscan_core.config import EngineConfig, GenerationOptions
from videoscan_core.errors import StepAborted, VideoScanError
from videoscan_core.events import AnswerChunk
from videoscan_core.stream.engine_like import EngineLike

from .commands import (
    Ask,
    ClearConversation,
    Command,
    LoadModel,
    ModelRequest,
    ResetStream,
    RunOnEngine,
    SetMemorySize,
    StartSession,
    held_changes,
)
from .failure_log import FailureLog, describe_error
from .loading import FrameUpdate, default_engine_factory, devices_here, frame_pictures
from .questions import WorkerQuestions
from .system_stats import process_memory

log = logging.getLogger("videoscan.app")

MAX_PENDING_COMMANDS = 16
COALESCE_S = 0.05
WAITING_FOR_A_FRAME = "Waiting for the first frame: nothing has been seen yet…"


class EngineWorker(QThread):
    sig_status = Signal(str)
    sig_loading = Signal(bool)
    sig_model_ready = Signal(dict)
    sig_model_failed = Signal(str)  # the model source that could not be loaded
    sig_frame = Signal(object)  # FrameUpdate, one per processed frame
    sig_memory = Signal(object)  # MemorySnapshot, for changes between frames
    sig_answer_started = Signal(int, str)  # answer id, question
    sig_answer_waiting = Signal(int, str)  # answer id, why it waits (no frame seen yet)
    sig_answer_delta = Signal(int, str)  # answer id, new text
    sig_answer_finished = Signal(int, object)  # answer id, final AnswerChunk
    sig_answer_failed = Signal(int, str)  # answer id, message
    sig_error = Signal(str, str, str)  # kind, one line for people, details
    sig_resolved = Signal(str)  # kind: what failed works again
    sig_session_started = Signal(int)  # a capture session whose frames now fill a fresh memory

    def __init__(
        self,
        slot: LatestFrameSlot,
        engine_factory=default_engine_factory,
        options: GenerationOptions | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("engine-worker")
        self.slot = slot
        self.condition = slot.condition
        self.engine_factory = engine_factory
        self.options = options or GenerationOptions()
        self.engine: EngineLike | None = None  # owned by this thread
        self.frames_processed = 0
        self._commands: collections.deque = collections.deque()
        self._stopping = False
        self.questions = WorkerQuestions()  # stopped, being written, waiting for a frame
        self._frames_in_memory = False  # a question waits until the memory holds a frame
        self._next_answer_id = 1
        self._session: int | None = None  # capture session the engine's memory belongs to
        self._model_source = ""  # what the working engine was loaded from
        self._frame_failures = FailureLog(log, "a frame step")
        self._segment = 0
        self._held_config: dict[str, Any] = {}  # stream settings set before a model loaded
        # functions run in this thread after each processed frame: hook(engine, FrameEvent)
        # (alerts score their conditions here); a failing hook is logged, the frame stands
        self.frame_hooks: list[Callable[[object, object], None]] = []
        self.screen_text: Callable[[str], list] | None = None  # question -> [SeenText] shown

    # -- commands (any thread) --------------------------------------------------------------
    def _enqueue(self, command: Command) -> bool:
        with self.condition:
            if len(self._commands) >= MAX_PENDING_COMMANDS:
                return False
            self._commands.append(command)
            self.condition.notify_all()
            return True

    def run_on_engine(self, function: Callable[[object], object]) -> Future:
        """Run ``function(engine)`` in this thread, in turn with the other commands (requests of
        the API for other programs); the result or exception comes back through the future."""
        future: Future = Future()
        if not self._enqueue(RunOnEngine(function, future)):
            future.set_exception(RuntimeError("the model worker is busy; try again"))
        return future

    def load_model(self, source: str, config: EngineConfig) -> None:
        self._enqueue(LoadModel(ModelRequest(source, config)))

    def ask(self, question: str, options: GenerationOptions | None = None) -> int:
        """Queue a question; returns its answer id (0 if too many are waiting)."""
        with self.condition:
            answer_id = self._next_answer_id
            self._next_answer_id += 1
        if not self._enqueue(Ask(answer_id, question, options or self.options)):
            self._problem("command", "Too many questions are waiting; try again in a moment.")
            return 0
        return answer_id

    def cancel_answer(self, answer_id: int) -> None:
        """Stop answer ``answer_id``, whether it is written or waits (0: nothing to stop)."""
        if not answer_id:
            return
        with self.condition:
            self.questions.stop(answer_id)
            self.condition.notify_all()  # (a question waiting for a frame ends now)

    def set_memory_size(self, memory_size: int) -> None:
        self._enqueue(SetMemorySize(memory_size))

    def reset_stream(self, config: EngineConfig | None = None) -> None:
        self._enqueue(ResetStream(config))

    def clear_conversation(self) -> None:
        """New conversation: the engine forgets the recent questions and answers."""
        self._enqueue(ClearConversation())

    def start_session(self, session: int) -> None:
        """Forget the memory now for capture session ``session`` (its frames may follow)."""
        self._enqueue(StartSession(session))

    def stop(self, timeout_ms: int = 5000) -> bool:
        """Ask the thread to finish (aborting a running step) and wait up to ``timeout_ms``."""
        with self.condition:
            self._stopping = True
            dropped, self._commands = list(self._commands), collections.deque()
            self.condition.notify_all()
        for command in dropped:
            if isinstance(command, RunOnEngine):
                command.future.set_exception(RuntimeError("the app is closing"))
        self.questions.abort()
        engine = self.engine
        if engine is not None:
            engine.request_abort()
        return self.wait(timeout_ms) if self.isRunning() else True

    # -- the thread --------------------------------------------------------------------------
    def run(self) -> None:
        while True:
            with self.condition:
                while not (
                    self._stopping
                    or self._commands
                    or self.questions.has_due(self._frames_in_memory)
                    or (self.engine is not None and self.slot.has_work())
                ):
                    self.condition.wait()
                if self._stopping:
                    break
                self._commands.extendleft(reversed(self.questions.due(self._frames_in_memory)))
                command = self._commands.popleft() if self._commands else None
            try:
                if command is not None:
                    self._run_command(command)
                else:
                    self._process_frame()
            except StepAborted:
                continue
            except Exception as error:  # keep running whatever happens; say what went wrong
                self._report(command, error)
        self.engine = None

    def _problem(self, kind: str, message: str, details: str = "") -> None:
        self.sig_error.emit(kind, message, details)

    def _report(self, command: Command | None, error: Exception) -> None:
        details = f"{type(error).__name__}: {error}"
        if command is None:  # the banner counts the repeats; the log has one traceback
            self._frame_failures.failed()
            self._problem("frame", describe_error(error), details)
            return
        log.exception("worker command %s failed", type(command).__name__)
        kind = {LoadModel: "model", Ask: "answer"}.get(type(command), "command")
        if isinstance(command, LoadModel):
            from videoscan_core.adapters.model_check import short_name

            message = describe_error(error)
            if not isinstance(error, VideoScanError):  # (ours already name the model)
                message = f"Could not use {short_name(command.request.source)}: {message}"
            if self.engine is not None:
                message += f" (still using {short_name(self._model_source)})"
            self._problem(kind, message, details)
        else:
            self._problem(kind, describe_error(error), details)

    def _run_command(self, command: Command) -> None:
        if isinstance(command, RunOnEngine):
            try:
                command.future.set_result(command.function(self.engine))
            except BaseException as error:  # the caller (the API) reports it
                command.future.set_exception(error)
        elif isinstance(command, LoadModel):
            self._load(command.request)
        elif isinstance(command, Ask):
            self._answer(command.answer_id, command.question, command.options)
        elif isinstance(command, StartSession):
            self._follow(StreamTag(command.session, -1))
        elif self.engine is None:  # no model yet: the next one that loads gets these
            self._held_config.update(held_changes(command))
        elif isinstance(command, SetMemorySize):
            self.engine.set_memory_size(command.memory_size)
            self._say_position_note()
            self.sig_memory.emit(self.engine.snapshot())
        elif isinstance(command, ClearConversation):
            self.engine.clear_conversation()
        elif isinstance(command, ResetStream):
            self._frames_in_memory = False
            if command.config is not None:
                self.engine.configure(command.config)  # the preset applied, then reset
            else:
                self.engine.reset()
            self._say_position_note()
            self.sig_memory.emit(self.engine.snapshot())

    def _say_position_note(self) -> None:
        """The engine changed a setting so that positions fit the model: say which, once."""
        if note := self.engine.position_note:
            self.sig_status.emit(note[0].upper() + note[1:])

    def _follow(self, tag: StreamTag) -> bool:
        """Bring the engine to the frame's session; False for a frame of a finished session.
        An untagged frame (session 0: a producer that knows no sessions) continues the stream."""
        if tag.session == 0:
            return True
        if self._session is not None and tag.session < self._session:
            return False
        if self._session is None or tag.session > self._session:
            self._session, self._segment = tag.session, tag.segment
            self._frames_in_memory = False
            if self.engine is not None:
                self.engine.start_session()
                self.sig_memory.emit(self.engine.snapshot())
            self.sig_session_started.emit(tag.session)
        elif tag.segment != self._segment:
            self._segment = tag.segment
            if tag.segment >= 0 and self.engine is not None:
                self.engine.start_segment()
        return True

    def _load(self, request: ModelRequest) -> None:
        """Load (after checking) a new engine; the working one runs until it is ready."""
        self.sig_loading.emit(True)
        self.sig_status.emit(f"Loading model {request.source}…")
        if self._held_config:  # settings changed while no model was loaded
            request = ModelRequest(request.source, request.config.replace(**self._held_config))
        try:
            engine = self.engine_factory(request, self.sig_status.emit)
        except Exception as error:
            if self.engine is None:
                self.sig_status.emit("No model loaded")
            else:
                self.sig_status.emit(f"Still using {self._model_source}")
            self._report(LoadModel(request), error)  # the message first (sig_error), then
            self.sig_model_failed.emit(request.source)  # the failure: listeners see both
            return
        finally:
            self.sig_loading.emit(False)
        self.engine, self._model_source = engine, request.source
        self._held_config = {}
        self.sig_resolved.emit("model")
        self.slot.clear()  # a static mark has no carrier to extend on the new engine
        self._session = None  # a fresh engine: the next frame's session starts on it
        self._frames_in_memory = False
        model = self.engine.model
        self.sig_model_ready.emit(
            {
                "source": request.source,
                "device": str(model.device),
                "dtype": str(model.dtype).removeprefix("torch."),
                "tokens_per_frame": model.tokens_per_frame,
                "devices": devices_here(),
            }
        )
        self.sig_memory.emit(self.engine.snapshot())
        self._say_position_note()

    def _process_frame(self) -> None:
        fold, fold_tag, frame = self.slot.take_tagged()
        engine = self.engine
        if fold is not None and frame is None:
            if self._follow(fold_tag):
                engine.fold_static_frame(fold)
                self.sig_memory.emit(engine.snapshot())
            return
        if frame is None or not self._follow(frame.tag):
            return  # (a frame of a session already finished is dropped on purpose)
        event = engine.add_frame(frame.rgb, frame.timestamp)
        self._frames_in_memory = True
        if self._frame_failures.count:
            self._frame_failures.succeeded()
            self.sig_resolved.emit("frame")
        self.frames_processed += 1
        thumbnail, keepsake = frame_pictures(frame.rgb)
        stats = {
            **process_memory(engine.model.device),
            "frame_ms": event.total_ms,
            "frames_dropped": self.slot.dropped,
            "frames_processed": self.frames_processed,
        }
        update = FrameUpdate(event, thumbnail, keepsake, engine.snapshot(), stats, frame.excluded)
        self.sig_frame.emit(update)
        for hook in list(self.frame_hooks):
            try:
                hook(engine, event)
            except StepAborted:
                raise
            except Exception:
                log.exception("a frame hook failed")

    def _answer(self, answer_id: int, question: str, options: GenerationOptions) -> None:
        with self.condition:
            go = self.questions.begin(answer_id)
            parked = go and self.engine is not None and not self._frames_in_memory
            if parked:  # nothing seen yet: it waits for the first frame
                self.questions.end()
                self.questions.park(Ask(answer_id, question, options))
        if parked:
            self.sig_answer_waiting.emit(answer_id, WAITING_FOR_A_FRAME)
            return
        self.sig_answer_started.emit(answer_id, question)
        if not go:  # stopped while it waited: never answered
            self.sig_answer_finished.emit(
                answer_id, AnswerChunk("", finished=True, stop_reason="cancelled")
            )
            return
        if self.engine is None:
            message = "No model is loaded yet: choose one in Models or Settings."
            self.sig_answer_failed.emit(answer_id, message)
            self._problem("model", message)
            return
        pending, last_emit = "", time.monotonic()
        try:
            shown = self.screen_text(question) if self.screen_text is not None else ()
            stop = self.questions.should_stop
            for chunk in self.engine.ask(question, options, should_stop=stop, screen_text=shown):
                if chunk.finished:
                    if pending:
                        self.sig_answer_delta.emit(answer_id, pending)
                    self.sig_answer_finished.emit(answer_id, chunk)
                    return
                pending += chunk.text
                if time.monotonic() - last_emit >= COALESCE_S:
                    self.sig_answer_delta.emit(answer_id, pending)
                    pending, last_emit = "", time.monotonic()
        except Exception as error:
            self.sig_answer_failed.emit(answer_id, describe_error(error))
            raise
        finally:
            with self.condition:
                self.questions.end()
