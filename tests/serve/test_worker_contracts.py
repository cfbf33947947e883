"""The engine worker's contracts (``serve.worker``), directly: which model answers a request that
names a model other than ``videoscan-live`` (the live engine's current model for the server's own
names, the pool's for any other, on the server and in the app), the live frame taken after
exactly ``LIVE_FRAME_EVERY_JOBS`` requests, the queue bound at exactly ``max_queue``, cancelled
and shut-down jobs, the newest ``max_alerts`` alerts, /health's ``live``, and the frame cap's
warning on each side of it."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from types import SimpleNamespace

import numpy as np
import pytest

from videoscan_core.config import EngineConfig, GenerationOptions
from videoscan_core.serve import media
from videoscan_core.serve import worker as worker_module
from videoscan_core.serve.media import VideoInput
from videoscan_core.serve.models import ModelPool
from videoscan_core.serve.protocol import APIError, ChatOptions
from videoscan_core.serve.worker import LIVE_FRAME_EVERY_JOBS, ChatJob, EngineWorker
from videoscan_core.stream.alerts import Condition
from videoscan_core.stream.engine import StreamingEngine
from videoscan_core.video import import_cv2


class Events:
    """A job's ``emit``: what it got, and an event set at its end."""

    def __init__(self):
        self.got: list = []
        self.ended = threading.Event()

    def __call__(self, kind, value) -> None:
        self.got.append((kind, value))
        if kind in ("done", "error"):
            self.ended.set()

    def final(self):
        assert self.ended.wait(120), "the job never ended"
        return self.got[-1]


def job(model_id: str, video=None, tokens: int = 2, **kwargs) -> tuple[ChatJob, Events]:
    events = Events()
    options = ChatOptions(GenerationOptions(max_new_tokens=tokens), memory=kwargs.pop("memory", 3))
    return ChatJob(model_id, "What?", options, events, video=video, **kwargs), events


def frames(count: int) -> VideoInput:
    cv2 = import_cv2()
    images = [cv2.imencode(".png", np.full((12, 20, 3), 25 * i, np.uint8))[1].tobytes()
              for i in range(count)]  # fmt: skip
    return VideoInput("frames", images=images)


@pytest.fixture
def built(monkeypatch):
    """The models each StreamingEngine was built on, in order."""
    models: list = []
    real = StreamingEngine.__init__

    def init(self, model, config, *args, **kwargs):
        models.append(model)
        real(self, model, config, *args, **kwargs)

    monkeypatch.setattr(StreamingEngine, "__init__", init)
    return models


@pytest.fixture
def pool(tiny_vlm, tiny_vlm_eager, monkeypatch):
    """The server's model is ``tiny_vlm`` ("tiny-test"); any other name loads ``tiny_vlm_eager``."""
    pool = ModelPool("/models/tiny-test", tiny_vlm, live=True)
    asked: list[str] = []
    real_get = pool.get

    def get(model_id):
        asked.append(model_id)
        return real_get(model_id) if model_id in pool.aliases else tiny_vlm_eager

    monkeypatch.setattr(pool, "get", get)
    pool.asked = asked
    return pool


def test_the_servers_own_names_stream_on_its_model_any_other_on_the_pools(
    pool, built, tiny_vlm, tiny_vlm_eager
):
    worker = EngineWorker(pool, memory=3, live=True).start()
    try:
        for name in ("/models/tiny-test", "tiny-test"):  # its path and its folder's name
            request, events = job(name, frames(2))
            worker.submit(request)
            kind, value = events.final()
            assert kind == "done" and value["videoscan"]["frames_streamed"] == 2, value
            assert built[-1] is tiny_vlm and pool.asked == []
        request, events = job("another-model", frames(2), memory=5)
        worker.submit(request)
        kind, value = events.final()
        assert kind == "done" and value["videoscan"]["memory_size"] == 5
        assert built[-1] is tiny_vlm_eager and pool.asked == ["another-model"]
        assert value["videoscan"]["source"] == "video"
    finally:
        worker.stop()


def test_in_the_app_its_own_names_stream_on_the_model_the_app_has_loaded_now(
    pool, built, tiny_vlm, tiny_vlm_eager
):
    app_engine = StreamingEngine(tiny_vlm_eager, EngineConfig(memory_size=4))  # switched model

    def executor(function) -> Future:
        future: Future = Future()
        future.set_result(function(app_engine))
        return future

    worker = EngineWorker(pool, memory=3, live=True, executor=executor).start()
    try:
        request, events = job("tiny-test", frames(2))
        worker.submit(request)
        assert events.final()[0] == "done"
        assert built[-1] is tiny_vlm_eager and pool.asked == []  # not the pool's first model
        request, events = job("another-model", frames(2))
        worker.submit(request)
        assert events.final()[0] == "done" and pool.asked == ["another-model"]
        request, events = job("videoscan-live")  # the app's live memory itself
        worker.submit(request)
        assert events.final()[1]["videoscan"]["source"] == "live"
        assert app_engine.cache.length == app_engine.layout.length  # rolled back
    finally:
        worker.stop()
    assert worker.live_engine is None  # the app owns the engine


@pytest.mark.parametrize("executor,status,said", [
    (None, 404, "videoscan-live needs a server started with --source"),
    (lambda function: _done(function(None)), 503, "no model is loaded yet"),
])  # fmt: skip
def test_a_live_question_without_a_live_engine(tiny_vlm, executor, status, said):
    worker = EngineWorker(ModelPool("tiny", tiny_vlm), live=False, executor=executor).start()
    try:
        request, events = job("videoscan-live")
        worker.submit(request)
        kind, error = events.final()
        assert kind == "error" and (error.status, error.message) == (status, said)
    finally:
        worker.stop()


def _done(value) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future


# -- scheduling with a fake engine --------------------------------------------------------------
class FakeEngine:
    def __init__(self, log: list):
        self.log, self.frames_seen = log, 0

    def add_frame(self, frame, timestamp):
        self.log.append(("frame", timestamp))
        self.frames_seen += 1
        return SimpleNamespace(timestamp=timestamp, frame_index=self.frames_seen - 1)

    def request_abort(self) -> None:
        self.aborted = True


def fake_worker(**kwargs) -> tuple[EngineWorker, list]:
    worker = EngineWorker(ModelPool("fake", object()), live=False, **kwargs)
    log: list = []
    worker.live_engine = FakeEngine(log)
    return worker, log


def call_job(worker, log, name, then=None) -> Future:
    def function(engine):
        log.append(("job", name))
        if then is not None:
            then()

    return worker.run_on_engine(function)


def test_a_waiting_live_frame_is_taken_after_exactly_every_two_requests():
    assert LIVE_FRAME_EVERY_JOBS == 2
    worker, log = fake_worker()
    futures = [call_job(worker, log, "j1"), call_job(worker, log, "j2")]
    futures.append(call_job(worker, log, "j3", lambda: worker.submit_frame(2.0, None)))
    futures += [call_job(worker, log, name) for name in ("j4", "j5", "j6")]
    worker.submit_frame(1.0, None)  # waiting before the worker starts, behind six requests
    worker.start()
    try:
        for future in futures:
            future.result(30)
        assert worker.wait_until(lambda: len(log) == 8, 30)
    finally:
        worker.stop()
    assert log == [("job", "j1"), ("job", "j2"), ("frame", 1.0), ("job", "j3"), ("job", "j4"),
                   ("frame", 2.0), ("job", "j5"), ("job", "j6")]  # fmt: skip


def test_with_no_request_waiting_a_frame_goes_at_once_and_the_newest_wins():
    worker, log = fake_worker()
    worker.submit_frame(1.0, None)
    worker.submit_frame(2.0, None)  # the first is dropped and counted
    worker.start()
    try:
        assert worker.wait_until(lambda: log == [("frame", 2.0)], 30)
    finally:
        worker.stop()
    assert worker.frames_dropped == 1


def test_exactly_max_queue_requests_wait_one_more_is_a_503_and_stop_answers_them():
    worker, log = fake_worker(max_queue=2)
    waiting = [job("videoscan-live"), job("videoscan-live")]
    for request, _ in waiting:
        worker.submit(request)
    with pytest.raises(APIError) as error:
        worker.submit(job("videoscan-live")[0])
    assert error.value.status == 503 and "too many requests" in error.value.message
    assert worker.pending() == 2
    with pytest.raises(APIError):  # calls wait in the same queue
        worker.run_on_engine(lambda engine: None)
    worker.stop()  # never started: the waiting jobs are answered, none is left hanging
    for _, events in waiting:
        kind, value = events.final()
        assert kind == "error" and value.status == 503 and "shutting down" in value.message
    with pytest.raises(APIError, match="shutting down"):
        worker.submit(job("videoscan-live")[0])


def test_a_job_cancelled_while_waiting_never_starts():
    worker, log = fake_worker()
    request, events = job("videoscan-live")
    request.cancel.set()
    worker.submit(request)
    worker.start()
    try:
        kind, error = events.final()
    finally:
        worker.stop()
    assert kind == "error" and (error.status, error.code) == (499, "cancelled")
    assert worker.answers_cancelled == 1 and worker.jobs_done == 0


def test_alerts_keep_the_newest_and_each_is_passed_on(monkeypatch):
    passed = []
    worker, log = fake_worker(max_alerts=2, on_alert=passed.append)
    scores = iter([1.0, 0.0] * 4)  # fires on every other frame
    worker.watcher.add(Condition("c", id="c"))
    worker.watcher.scorer = lambda engine, text: next(scores)
    worker.frame_interval_s = -1.0  # any scoring is slower than that: the warning is kept
    worker.start()
    try:
        for t in range(8):
            worker.submit_frame(float(t), None)
            assert worker.wait_until(lambda t=t: ("frame", float(t)) in log, 30)
    finally:
        worker.stop()
    assert [a.time for a in passed] == [0.0, 2.0, 4.0, 6.0]
    assert [a.time for a in worker.alerts] == [4.0, 6.0]
    assert worker.alerts_warning and worker.alerts_warning.startswith("checking 1 alert")


class Source:
    def __init__(self, state):
        self.state = state

    def status(self):
        return {"state": self.state}


@pytest.mark.parametrize("state,live", [("running", True), ("paused", True), ("ended", False),
                                        ("failed", False)])  # fmt: skip
def test_health_is_live_only_while_the_source_runs_or_is_paused(tiny_vlm, state, live):
    worker = EngineWorker(ModelPool("tiny", tiny_vlm, live=True), memory=2, live=True)
    assert worker.live_status()["live"] is True  # no source object: fed from outside
    worker.source = Source(state)
    status = worker.live_status()
    assert status["live"] is live and status["source"] == {"state": state}
    assert (status["frames_seen"], status["memory_size"], status["carrier_times"]) == (0, 2, [])
    assert "alerts_warning" not in status
    worker.alerts_warning = "slow"
    assert worker.live_status()["alerts_warning"] == "slow"
    assert EngineWorker(ModelPool("tiny", tiny_vlm)).live_status() == {"live": False}


def test_the_frame_cap_warns_only_when_it_cut_the_video(tiny_vlm, monkeypatch):
    monkeypatch.setattr(worker_module, "MAX_REQUEST_FRAMES", 3)
    monkeypatch.setattr(media, "MAX_REQUEST_FRAMES", 3)
    worker = EngineWorker(ModelPool("tiny", tiny_vlm), memory=3).start()
    try:
        warnings = {}
        for count in (2, 3):
            request, events = job("tiny", frames(count))
            worker.submit(request)
            kind, value = events.final()
            assert kind == "done", value
            warnings[count] = value["videoscan"]["warnings"]
        chosen = frames(9)
        chosen.num_frames = 3  # the client chose 3 of 9: nothing was cut against its wish
        request, events = job("tiny", chosen)
        worker.submit(request)
        chosen_warnings = events.final()[1]["videoscan"]["warnings"]
    finally:
        worker.stop()
    assert warnings[2] == []
    assert warnings[3] == ["only the first 3 frames were read (the limit per request)"]
    assert chosen_warnings == []
