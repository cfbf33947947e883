"""Each MCP tool of ``serve.mcp_server`` in the default suite, with a fake worker: the arguments
that reach the worker, the limits at their exact boundary, the time window of
``recent_memory`` (a carrier that started before the window and lasted into it is in it), the
alert thresholds and their re-arm point, what is kept in the alerts file, and the refusals."""

from __future__ import annotations

import asyncio
import collections
import json
from concurrent.futures import Future
from types import SimpleNamespace

import pytest

from videoscan_core.events import CarrierInfo
from videoscan_core.limits import MAX_NEW_TOKENS, MAX_QUESTION_CHARS
from videoscan_core.serve.protocol import APIError
from videoscan_core.stream.alerts import Alert, AlertWatcher, Condition, save_conditions

pytest.importorskip("mcp")
from mcp.server.mcpserver.exceptions import ToolError  # noqa: E402

from videoscan_core.serve.mcp_server import build_mcp  # noqa: E402

SHOWN = [{"text": "gate B22", "first_seen": 2.0, "last_seen": 5.0}]
RESULT = {
    "text": "a red circle",
    "videoscan": {"evidence": [{"time": 3.0, "frame": 3, "weight": 0.5}], "frames_seen": 9,
                  "memory_size": 4, "evidence_text": SHOWN},
}  # fmt: skip


class FakeWorker:
    """What the tools use of ``EngineWorker``: jobs are answered (or refused) at once."""

    def __init__(self, engine=None, reply=("done", RESULT)):
        self.watcher = AlertWatcher()
        self.alerts: collections.deque = collections.deque()
        self.alerts_warning = None
        self.jobs: list = []
        self.engine, self.reply = engine, reply
        self.screen_text = None  # a LiveText when the source's text is read

    def submit(self, job) -> None:
        self.jobs.append(job)
        job.emit("delta", "a red")  # pieces are not the answer: only done/error settle it
        if self.reply is not None:
            job.emit(*self.reply)

    def run_on_engine(self, function) -> Future:
        future: Future = Future()
        future.set_result(function(self.engine))
        return future


def call(server, tool: str, arguments: dict):
    async def run():
        result = await server.call_tool(tool, arguments)
        assert not result.is_error, result.content
        return json.loads(result.content[0].text)

    return asyncio.run(asyncio.wait_for(run(), 30))


def refused(server, tool: str, arguments: dict) -> str:
    with pytest.raises(ToolError) as error:
        asyncio.run(asyncio.wait_for(server.call_tool(tool, arguments), 30))
    return str(error.value)


# -- ask_screen ---------------------------------------------------------------------------------
def test_ask_screen_sends_the_question_to_the_live_memory_and_returns_the_answer():
    worker = FakeWorker()
    server = build_mcp(worker)
    got = call(server, "ask_screen", {"question": "  What is shown?  ", "max_tokens": 7})
    assert got == {"answer": "a red circle", "evidence": RESULT["videoscan"]["evidence"],
                   "evidence_text": SHOWN, "frames_seen": 9}  # fmt: skip
    (job,) = worker.jobs
    assert (job.model_id, job.question, job.video) == ("videoscan-live", "What is shown?", None)
    assert job.options.generation.max_new_tokens == 7 and not job.options.stream
    assert job.history == [] and job.system is None  # no conversation carried between calls
    call(server, "ask_screen", {"question": "Again?"})
    assert worker.jobs[-1].options.generation.max_new_tokens == 128  # the default


@pytest.mark.parametrize("tokens", [1, MAX_NEW_TOKENS])
def test_max_tokens_at_both_ends_pass(tokens):
    worker = FakeWorker()
    call(build_mcp(worker), "ask_screen", {"question": "Q?", "max_tokens": tokens})
    assert worker.jobs[0].options.generation.max_new_tokens == tokens


@pytest.mark.parametrize("tokens", [0, MAX_NEW_TOKENS + 1])
def test_max_tokens_one_past_either_end_is_refused_before_the_worker(tokens):
    worker = FakeWorker()
    said = refused(build_mcp(worker), "ask_screen", {"question": "Q?", "max_tokens": tokens})
    assert f"max_tokens must be from 1 to {MAX_NEW_TOKENS}" in said and not worker.jobs


def test_a_question_of_exactly_the_limit_is_asked_one_more_character_is_refused():
    worker = FakeWorker()
    server = build_mcp(worker)
    call(server, "ask_screen", {"question": "x" * MAX_QUESTION_CHARS})
    assert "too long" in refused(server, "ask_screen", {"question": "x" * (MAX_QUESTION_CHARS + 1)})
    assert "ask a question" in refused(server, "ask_screen", {"question": " \n "})
    assert len(worker.jobs) == 1


def test_the_workers_refusal_is_the_tools_error_in_its_words():
    worker = FakeWorker(reply=("error", APIError(400, "the question is too long (9 tokens)")))
    said = refused(build_mcp(worker), "ask_screen", {"question": "Q?"})
    assert said.endswith(": the question is too long (9 tokens)")


def test_a_cancelled_call_cancels_its_job():
    worker = FakeWorker(reply=None)  # never answered

    async def run():
        server = build_mcp(worker)
        task = asyncio.ensure_future(server.call_tool("ask_screen", {"question": "Q?"}))
        while not worker.jobs:
            await asyncio.sleep(0.01)
        assert not worker.jobs[0].cancel.is_set()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(asyncio.wait_for(run(), 30))
    assert worker.jobs[0].cancel.is_set()


# -- recent_memory ------------------------------------------------------------------------------
def engine_with(carriers, now: float, frames_seen: int = 50):
    snapshot = SimpleNamespace(carriers=tuple(carriers))
    return SimpleNamespace(last_timestamp=now, frames_seen=frames_seen, snapshot=lambda: snapshot)


def test_recent_memory_keeps_every_carrier_that_lasted_into_the_window():
    now = 1000.0  # the window of 5 minutes starts at 700 s
    carriers = [
        CarrierInfo(1, 100.0, 699.5),  # ended before the window: out
        CarrierInfo(2, 200.0, 700.0),  # lasted up to exactly its start: in
        CarrierInfo(3, 650.0, 760.0),  # started before it, lasted into it: in
        CarrierInfo(4, 900.0, 900.0),  # inside: in
    ]
    server = build_mcp(FakeWorker(engine_with(carriers, now)))
    got = call(server, "recent_memory", {"minutes": 5})
    assert got == {
        "now": 1000.0, "frames_seen": 50,
        "carriers": [{"time": 200.0, "until": 700.0, "frame": 2},
                     {"time": 650.0, "until": 760.0, "frame": 3},
                     {"time": 900.0, "until": 900.0, "frame": 4}],
        "screen_text": [],  # no text read (a webcam, or --no-screen-text)
    }  # fmt: skip


def test_recent_memory_minutes_are_minutes_and_a_negative_window_is_now():
    carriers = [CarrierInfo(1, 10.0, 40.0), CarrierInfo(2, 50.0, 59.0), CarrierInfo(3, 60, 60.0)]
    worker = FakeWorker(engine_with(carriers, 60.0))
    server = build_mcp(worker)

    def frames(minutes: float) -> list[int]:
        found = call(server, "recent_memory", {"minutes": minutes})["carriers"]
        return [carrier["frame"] for carrier in found]

    assert frames(1 / 3) == [1, 2, 3]  # 20 s back: from 40 s, where carrier 1 ends
    assert frames(0.3) == [2, 3]  # 18 s back: from 42 s
    assert frames(1 / 6) == [2, 3]  # 10 s back: from 50 s
    assert frames(0) == [3] and frames(-3) == [3]
    assert frames(5.0) == [1, 2, 3]
    assert call(server, "recent_memory", {})["carriers"][0]["frame"] == 1  # 5 minutes default


def test_recent_memory_before_any_frame_is_empty_at_zero():
    worker = FakeWorker(engine_with([], None, frames_seen=0))
    assert call(build_mcp(worker), "recent_memory", {"minutes": 1}) == {
        "now": 0.0, "frames_seen": 0, "carriers": [], "screen_text": [],
    }  # fmt: skip


# -- screen text --------------------------------------------------------------------------------
def read_lines(*shown: tuple[str, float, float]):
    """A live text whose memory saw each ``(text, first, last)`` line, one line per frame."""
    from videoscan_core.screen_text.memory import TextMemory
    from videoscan_core.screen_text.ocr import OcrLine
    from videoscan_core.screen_text.reading import FrameReading

    memory = TextMemory()
    for row, (text, first, last) in enumerate(shown):
        box = (10, 40 * row, 10 + 9 * len(text), 40 * row + 16)
        reading = FrameReading((OcrLine(text, box, 0.95),), ((0, 40 * row, 1280, 40 * row + 30),))
        for t in (first, last):  # a session each: lines of the others are not on screen
            memory.observe(reading, t, session=str(row))
    return SimpleNamespace(memory=memory)


def test_recent_memory_lists_the_lines_on_screen_in_the_window_one_that_began_before_too():
    engine = engine_with([], now=100.0)
    worker = FakeWorker(engine)
    worker.screen_text = read_lines(
        ("left long ago", 10.0, 39.0), ("until the start", 20.0, 40.0),
        ("across the start", 30.0, 70.0), ("inside", 80.0, 90.0),
    )  # fmt: skip
    found = call(build_mcp(worker), "recent_memory", {"minutes": 1})["screen_text"]  # from 40 s
    assert [(row["text"], row["first_seen"], row["last_seen"]) for row in found] == [
        ("until the start", 20.0, 40.0), ("across the start", 30.0, 70.0), ("inside", 80.0, 90.0)
    ]  # fmt: skip


def test_search_screen_text_limit_from_one_to_the_most_hits():
    from videoscan_core.screen_text.retrieve import MAX_HITS

    worker = FakeWorker()
    server = build_mcp(worker)
    assert "screen text is off" in refused(server, "search_screen_text", {"query": "gate"})
    worker.screen_text = read_lines(*[(f"gate B{n} boarding", n, n + 1.0) for n in range(3)])
    hits = call(server, "search_screen_text", {"query": "gate", "limit": 1})["hits"]
    assert len(hits) == 1 and "gate" in hits[0]["text"]
    most = call(server, "search_screen_text", {"query": "gate", "limit": MAX_HITS})
    assert len(most["hits"]) == 3
    assert len(call(server, "search_screen_text", {"query": "gate"})["hits"]) == 3  # 20 default
    for limit in (0, MAX_HITS + 1):
        said = refused(server, "search_screen_text", {"query": "gate", "limit": limit})
        assert f"limit must be from 1 to {MAX_HITS}" in said
    assert "the search is empty" in refused(server, "search_screen_text", {"query": " ?? "})


# -- alerts -------------------------------------------------------------------------------------
@pytest.mark.parametrize("threshold,off", [(0.6, 0.4), (0.5, 0.3), (0.9, 0.4), (0.2, 0.0),
                                           (0.1, 0.0), (0.0, 0.0), (1.0, 0.4)])  # fmt: skip
def test_add_alert_re_arms_point_two_below_the_threshold_within_zero_and_point_four(
    threshold, off
):
    worker = FakeWorker()
    added = call(build_mcp(worker), "add_alert", {"condition": " a red shape ",
                                                  "threshold": threshold})  # fmt: skip
    (condition,) = worker.watcher.conditions()
    assert added == {"id": condition.id, "condition": "a red shape", "threshold": threshold}
    assert condition.on_threshold == threshold
    assert condition.off_threshold == pytest.approx(off, abs=1e-12)


def test_add_alert_defaults_to_point_six():
    worker = FakeWorker()
    assert call(build_mcp(worker), "add_alert", {"condition": "x"})["threshold"] == 0.6
    assert worker.watcher.conditions()[0].off_threshold == pytest.approx(0.4)


@pytest.mark.parametrize("threshold", [1.0001, -0.0001])
def test_a_threshold_outside_zero_to_one_is_refused(threshold):
    worker = FakeWorker()
    said = refused(build_mcp(worker), "add_alert", {"condition": "x", "threshold": threshold})
    assert "thresholds" in said and worker.watcher.conditions() == []


def test_alerts_are_kept_in_the_file_with_their_thresholds_and_read_back(tmp_path):
    path = tmp_path / "alerts.json"
    save_conditions(path, [Condition("kept from before", id="old", on_threshold=0.8,
                                     off_threshold=0.4)])  # fmt: skip
    worker = FakeWorker()
    server = build_mcp(worker, path)
    assert [c.id for c in worker.watcher.conditions()] == ["old"]  # loaded at start
    added = call(server, "add_alert", {"condition": "a dialog", "threshold": 0.7})
    saved = json.loads(path.read_text())["conditions"]
    assert [(c["id"], c["text"], c["on_threshold"]) for c in saved] == [
        ("old", "kept from before", 0.8), (added["id"], "a dialog", 0.7)
    ]  # fmt: skip
    assert saved[1]["off_threshold"] == pytest.approx(0.4)  # 0.2 below, at most 0.4
    assert call(server, "remove_alert", {"id": "old"}) == {"removed": True}
    assert call(server, "remove_alert", {"id": "old"}) == {"removed": False}
    assert [c["id"] for c in json.loads(path.read_text())["conditions"]] == [added["id"]]


def test_without_a_file_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    server = build_mcp(FakeWorker())
    call(server, "add_alert", {"condition": "x"})
    assert list(tmp_path.iterdir()) == []


def test_list_alerts_shows_conditions_alerts_with_their_ids_and_the_warning():
    worker = FakeWorker()
    server = build_mcp(worker)
    worker.watcher.add(Condition("on", id="a"))
    worker.watcher.add(Condition("off", id="b", enabled=False))
    worker.alerts.append(Alert("on", "a", 12.5, 0.91234, 12))
    worker.alerts_warning = "checking 1 alert condition(s) took 2.0 s per frame"
    assert call(server, "list_alerts", {}) == {
        "conditions": [{"id": "a", "condition": "on", "enabled": True},
                       {"id": "b", "condition": "off", "enabled": False}],
        "alerts": [{"condition": "on", "time": 12.5, "score": 0.9123, "id": "a"}],
        "warning": "checking 1 alert condition(s) took 2.0 s per frame",
    }  # fmt: skip
    worker.alerts_warning = None
    assert call(server, "list_alerts", {})["warning"] is None
