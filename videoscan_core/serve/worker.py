"""One engine worker thread that every request, live frame and alert check goes through.

Contract: ``EngineWorker(pool, memory, live)`` owns a thread; nothing else touches an engine.
``submit(job)`` queues a ``ChatJob`` (FIFO; ``APIError(503)`` when ``max_queue`` are waiting) and
returns at once; the job's ``emit(kind, value)`` is called from the worker thread with ``("delta",
text)`` pieces, then exactly one ``("done", result)`` or ``("error", APIError)``. Setting
``job.cancel`` stops a waiting job before it starts and a running one within one frame or one token
(its answer is rolled back as any answer is). Live mode: ``submit_frame(t, rgb)`` offers the newest
frame of the server's own source (latest wins: a frame still waiting when a newer one comes is
dropped and counted); requests go first, but a waiting frame is streamed after every
``LIVE_FRAME_EVERY_JOBS`` requests, so the live memory keeps up under load. With an ``executor``
(the app: ``executor(fn) -> Future`` runs ``fn(engine)`` in the app's own engine thread) there is no
engine here: every answer runs through it, on the app's live memory, and this thread only waits.
``run_on_engine(function)`` runs ``function(live_engine)`` on the worker thread (a future; the same
verb as the app's worker); the live frame waits in a ``capture.frame_slot.LatestFrameSlot``. After
each live frame the ``watcher``'s conditions are scored and alerts kept (newest ``max_alerts``) and
passed to ``on_alert``. A ``video`` job streams its frames through a fresh engine on the requested
model with the request's memory size; the live stream is not touched. Every answer first passes the
caps of ``limits`` (question characters and tokens, the request's memory against the model and free
memory, ``max_request_seconds`` of streaming per request); what was cut short is listed in the
result's ``warnings``.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..capture.frame_slot import CapturedFrame, LatestFrameSlot
from ..config import EngineConfig
from ..errors import StepAborted, VideoScanError, describe
from ..limits import (
    MAX_REQUEST_FRAMES,
    MAX_REQUEST_SECONDS,
    check_against_model,
    check_question,
    check_text,
)
from ..screen_text.offline import TextPass
from ..screen_text.report import seen_rows
from ..stream.alerts import Alert, AlertWatcher
from ..video import ReadOutcome
from .asking import ask, evidence_times
from .media import VideoInput, iter_samples
from .models import ModelPool
from .protocol import APIError, ChatOptions

log = logging.getLogger("videoscan.serve")
LIVE_FRAME_EVERY_JOBS = 2  # under load, a live frame is streamed after this many requests
MEMORY_ADVICE = "ask with a smaller memory or max_tokens, or serve a smaller model"


@dataclass
class ChatJob:
    model_id: str
    question: str
    options: ChatOptions
    emit: Callable[[str, object], None]
    video: VideoInput | None = None  # None: answer from the live stream
    history: list[tuple[str, str]] = field(default_factory=list)
    system: str | None = None
    cancel: threading.Event = field(default_factory=threading.Event)


@dataclass
class EngineCall:
    """``function(live_engine)`` to run on the worker thread, its outcome in ``future``."""

    function: Callable[[Any], object]
    future: Future = field(default_factory=Future)


class EngineWorker:
    def __init__(
        self,
        pool: ModelPool,
        memory: int = 64,
        live: bool = False,
        max_queue: int = 64,
        max_alerts: int = 200,
        on_alert: Callable[[Alert], None] | None = None,
        executor: Callable[[Callable[[object], object]], Future] | None = None,
        max_request_seconds: float = MAX_REQUEST_SECONDS,
    ) -> None:
        self.pool, self.memory, self.max_queue = pool, memory, max_queue
        self.max_request_seconds = max_request_seconds
        self.executor = executor
        self.live_engine = None
        if live and executor is None:
            from ..stream.engine import StreamingEngine

            self.live_engine = StreamingEngine(pool.default(), EngineConfig(memory_size=memory))
            if self.live_engine.position_note:
                log.warning("%s", self.live_engine.position_note)
        self.watcher = AlertWatcher()
        self.alerts: collections.deque[Alert] = collections.deque(maxlen=max_alerts)
        self.on_alert = on_alert
        self.frame_interval_s = 1.0  # between live frames (the server sets its source's)
        self.alerts_warning: str | None = None  # scoring is slower than the live frames
        self.jobs_done = 0
        self.answers_cancelled = 0  # by clients that went away (before or while answering)
        self._jobs: collections.deque[ChatJob | EngineCall] = collections.deque()
        self._jobs_since_frame = 0
        self.source: Any = None  # the live source (its ``status()`` joins /health), if any
        # the live source's screen text (screen_text.live.LiveText, or the app's): shown with
        # live questions (for_question) and searched (memory); None: no screen text
        self.screen_text: Any = None
        self._wake = threading.Condition()
        self.slot = LatestFrameSlot(self._wake)  # the live source's newest frame (latest wins)
        self._frames_offered = 0
        self._progress = threading.Condition()  # notified after each live frame or request
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="videoscan-engine", daemon=True)

    # -- any thread ------------------------------------------------------------------------
    def start(self) -> EngineWorker:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        with self._wake:
            self._stopping = True
            waiting, self._jobs = list(self._jobs), collections.deque()
            self._wake.notify_all()
        for job in waiting:
            error = APIError(503, "the server is shutting down", "server_error")
            if isinstance(job, EngineCall):
                job.future.set_exception(error)
            else:
                job.emit("error", error)
        for engine in (self.live_engine,):
            if engine is not None:
                engine.request_abort()
        if self._thread.ident is not None:
            self._thread.join(timeout)

    def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Block until ``predicate()`` holds, checked after each live frame and each request
        the worker finishes (for callers that must see progress); False on timeout."""
        with self._progress:
            return self._progress.wait_for(predicate, timeout)

    @property
    def frames_dropped(self) -> int:
        return self.slot.dropped

    def submit(self, job: ChatJob | EngineCall) -> None:
        with self._wake:
            if self._stopping:
                raise APIError(503, "the server is shutting down", "server_error")
            if len(self._jobs) >= self.max_queue:
                raise APIError(503, "too many requests are waiting; try again", "server_error")
            self._jobs.append(job)
            self._wake.notify_all()

    def run_on_engine(self, function: Callable[[Any], object]) -> Future:
        """Run ``function(live_engine)`` on the worker thread, in turn with the requests; its
        result (or exception) comes back through the returned future (the app's worker has the
        same verb)."""
        call = EngineCall(function)
        self.submit(call)
        return call.future

    def submit_frame(self, timestamp: float, frame: np.ndarray) -> None:
        self._frames_offered += 1
        self.slot.put(CapturedFrame(frame, timestamp, self._frames_offered))

    def pending(self) -> int:
        with self._wake:
            return len(self._jobs)

    def live_status(self) -> dict:
        """For /health: whether a live memory is fed (``live``: false once the source has
        ended or failed), its numbers, and the source's own ``status()``."""
        engine = self.live_engine
        if engine is None:
            return {"live": False}
        snapshot = engine.snapshot()  # plain numbers; a race only makes it a frame old
        source = self.source.status() if self.source is not None else None
        extra = {"source": source} if source is not None else {}
        if self.alerts_warning:
            extra["alerts_warning"] = self.alerts_warning
        return extra | {
            "live": source is None or source["state"] in ("running", "paused"),
            "frames_seen": snapshot.frames_seen,
            "frames_dropped": self.frames_dropped,
            "memory_size": snapshot.capacity,
            "carrier_times": [round(c.timestamp, 3) for c in snapshot.carriers],
        }

    # -- the worker thread -----------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            with self._wake:
                while not self._stopping and not self._jobs and not self.slot.has_work():
                    self._wake.wait()
                if self._stopping:
                    return
                # requests go first, but the live memory keeps up: a waiting frame is taken
                # after every LIVE_FRAME_EVERY_JOBS requests (or when no request waits)
                frame_due = self.slot.has_work() and (
                    not self._jobs or self._jobs_since_frame >= LIVE_FRAME_EVERY_JOBS
                )
                job = None if frame_due else self._jobs.popleft()
            frame = self.slot.take()[1] if frame_due else None
            if job is not None:
                self._jobs_since_frame += 1
                self._run(job)
            elif frame is not None:
                self._jobs_since_frame = 0
                self._live_frame(frame.timestamp, frame.rgb)
            with self._progress:
                self._progress.notify_all()

    def _live_frame(self, timestamp: float, frame: np.ndarray) -> None:
        engine = self.live_engine
        if engine is None:
            return
        try:
            event = engine.add_frame(frame, timestamp)
            for alert in self.watcher.after_frame(engine, event):
                self.alerts.append(alert)
                if self.on_alert is not None:
                    self.on_alert(alert)
            warning = self.watcher.slow_warning(self.frame_interval_s)
            if warning and not self.alerts_warning:
                log.warning("%s", warning)
            self.alerts_warning = warning
        except (StepAborted, ValueError, VideoScanError) as error:
            log.warning("live frame at %.2f s skipped: %s", timestamp, error)

    def _run(self, job: ChatJob | EngineCall) -> None:
        if isinstance(job, EngineCall):
            try:
                job.future.set_result(job.function(self.live_engine))
            except BaseException as error:  # handed to the caller
                job.future.set_exception(error)
            return
        if job.cancel.is_set():
            self.answers_cancelled += 1
            job.emit("error", APIError(499, "the client went away", code="cancelled"))
            return
        try:
            result = self._answer(job)
        except APIError as error:
            job.emit("error", error)
        except (VideoScanError, ValueError) as error:
            job.emit("error", APIError(400, str(error)))
        except Exception as error:  # a bug or an out-of-memory: report it, keep serving
            log.exception("request failed")
            job.emit("error", APIError(500, describe(error, MEMORY_ADVICE), "server_error"))
        else:
            job.emit("done", result)
        finally:
            self.jobs_done += 1

    def _answer(self, job: ChatJob) -> dict:
        if self.executor is None:
            return self._answer_on(self.live_engine, job)
        # the app owns the engine: the answer runs in its worker thread, this one waits
        return self.executor(lambda engine: self._answer_on(engine, job)).result()

    def _answer_on(self, live_engine, job: ChatJob) -> dict:
        started = time.perf_counter()
        check_text(job.question)  # before any frame is streamed for it
        warnings: list[str] = []
        if job.video is None:
            if live_engine is None:
                if self.executor is not None:
                    raise APIError(503, "no model is loaded yet", "server_error")
                raise APIError(404, "videoscan-live needs a server started with --source")
            engine, frames, text = live_engine, None, self.screen_text
        else:
            model = None
            if live_engine is not None and job.model_id in self.pool.aliases:
                model = live_engine.model  # the app's current model
            engine, frames, text = self._stream_video(job, model, warnings)
            if engine is None:
                self.answers_cancelled += 1
                raise APIError(499, "the client went away", code="cancelled")
        final = None
        tokens = job.options.generation.max_new_tokens
        check_question(engine.model, job.question, engine.config, tokens)  # fits the positions
        with engine.shown_history(job.history):
            prompt = engine.question_prompt(job.question)
            prompt_tokens = engine.cache.length + int(engine.model.tokenize(prompt).shape[1])
            stop = job.cancel.is_set
            shown = text.for_question(job.question) if text is not None else ()
            for piece in ask(engine, job.question, job.options.generation, stop, shown):
                if piece.text:
                    job.emit("delta", piece.text)
                if piece.finished:
                    final = piece
        if final is None or final.stop_reason == "cancelled":
            self.answers_cancelled += 1
        snapshot = engine.snapshot()
        return {
            "text": final.answer if final else "",
            "stop_reason": final.stop_reason if final else "cancelled",
            "prompt_tokens": prompt_tokens,
            "completion_tokens": final.tokens if final else 0,
            "videoscan": {
                "source": "live" if job.video is None else "video",
                "frames_seen": snapshot.frames_seen,
                "frames_streamed": frames,
                "memory_size": snapshot.capacity,
                "carrier_times": [round(c.timestamp, 3) for c in snapshot.carriers],
                "evidence": evidence_times(final),
                "evidence_text": seen_rows(final.evidence_text) if final else [],
                "ttft_ms": round(final.ttft_ms, 1) if final else None,
                "total_ms": round((time.perf_counter() - started) * 1000, 1),
                "warnings": warnings,
            },
        }

    def _stream_video(self, job: ChatJob, model, warnings: list[str]):
        """A fresh engine that has streamed the request's video (None when cancelled), within
        the request's frame and time caps, the frame count and the video's screen text (read as
        it streams); what was cut short is said in ``warnings``."""
        from ..stream.engine import StreamingEngine
        from ..stream.frame_batches import stream_frames

        model = model or self.pool.get(job.model_id)
        config = EngineConfig(memory_size=job.options.memory or self.memory)
        if job.system:
            config = config.replace(system_prompt=job.system)
        check_against_model(model, config)  # before the engine reserves its cache
        engine = StreamingEngine(model, config)
        if engine.position_note:
            warnings.append(engine.position_note)
        frames, outcome, text = 0, ReadOutcome(), TextPass(source="request")
        deadline = time.monotonic() + self.max_request_seconds
        video = job.video
        assert video is not None  # only requests with a video are streamed here
        samples = text.tap(iter_samples(video, outcome=outcome))
        for _ in stream_frames(engine, samples, batch=4):
            frames += 1
            if job.cancel.is_set():
                return None, frames, None
            if time.monotonic() > deadline:
                warnings.append(
                    f"the video was cut after {frames} frames: streaming it took longer than "
                    f"{self.max_request_seconds:g} s; ask with fewer frames (num_frames or fps)"
                )
                break
        if not frames:
            raise APIError(400, "the video has no frames", param="messages")
        if frames >= MAX_REQUEST_FRAMES and not video.num_frames:
            warnings.append(f"only the first {frames} frames were read (the limit per request)")
        if outcome.stopped_early:
            warnings.append(outcome.stopped_early)
        if text.error:
            warnings.append(f"{text.error}; answered without screen text")
        return engine, frames, text
