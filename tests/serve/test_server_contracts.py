"""The HTTP contracts of ``serve.app`` beyond the happy path, through the real ``openai`` client
against the real Starlette app on uvicorn, with a scripted worker (no model): where ``usage``
goes with and without ``stream_options.include_usage``, each finish reason, an answer's text
built from its pieces, an error before and during a stream, a client that leaves a streaming or a
non-streaming request (its job is cancelled), the body limit at exactly its size and one byte
more (declared or chunked), and the routes' bodies."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from types import SimpleNamespace

import pytest

from tests.serve.raw_http import assert_error, send
from videoscan_core.serve.app import create_app
from videoscan_core.serve.models import ModelPool
from videoscan_core.serve.protocol import APIError

openai = pytest.importorskip("openai")
uvicorn = pytest.importorskip("uvicorn")

MODEL = "scripted"
LIMIT = 4096  # body bytes
VIDEO = "data:video/mp4;base64,AAAA"
EXTRA = {"source": "live", "evidence": [], "warnings": []}


def result(text="", stop="eos", prompt=11, completion=3) -> dict:
    return {"text": text, "stop_reason": stop, "prompt_tokens": prompt,
            "completion_tokens": completion, "videoscan": EXTRA}  # fmt: skip


class ScriptedWorker:
    """Answers each job with ``script`` (a list of (kind, value) events, or a callable of the job
    that emits them itself, on its own thread)."""

    def __init__(self):
        self.script: object = [("delta", "Hi"), ("done", result("Hi"))]
        self.jobs: list = []
        self.received = threading.Event()
        self.screen_text = None

    def submit(self, job) -> None:
        self.jobs.append(job)
        self.received.set()
        if callable(self.script):
            threading.Thread(target=self.script, args=(job,), daemon=True).start()
        else:
            for event in self.script:
                job.emit(*event)

    failing = False  # an unforeseen failure inside a route

    def pending(self) -> int:
        if self.failing:
            raise RuntimeError("secret internal detail")
        return 7

    def live_status(self) -> dict:
        return {"live": True, "frames_seen": 3}


@pytest.fixture(scope="module")
def served():
    worker = ScriptedWorker()
    pool = ModelPool(MODEL, object(), live=True)
    app = create_app(worker, pool, api_key=None, max_body_bytes=LIMIT)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    ready = threading.Event()
    for _ in range(3000):  # until uvicorn says it listens (bounded; no timing asserted)
        if server.started or not thread.is_alive() or ready.wait(0.01):
            break
    assert server.started
    port = server.servers[0].sockets[0].getsockname()[1]
    yield SimpleNamespace(port=port, worker=worker, url=f"http://127.0.0.1:{port}/v1")
    server.should_exit = True
    thread.join(30)


@pytest.fixture
def worker(served):
    served.worker.script = [("delta", "Hi"), ("done", result("Hi"))]
    served.worker.jobs.clear()
    served.worker.received.clear()
    served.worker.failing = False
    return served.worker


def api(served):
    return openai.OpenAI(base_url=served.url, api_key="none", max_retries=0, timeout=60)


LIVE_MESSAGES = [{"role": "user", "content": "What now?"}]


def test_a_whole_answer_carries_usage_the_finish_reason_and_the_extra_field(served, worker):
    worker.script = [("delta", "a "), ("delta", "red"), ("done", result("a red", "max_tokens"))]
    reply = api(served).chat.completions.create(
        model="videoscan-live", messages=LIVE_MESSAGES, max_tokens=5
    )
    assert reply.object == "chat.completion" and reply.model == "videoscan-live"
    assert reply.id.startswith("chatcmpl-") and len(reply.id) == len("chatcmpl-") + 24
    (choice,) = reply.choices
    assert (choice.message.role, choice.message.content) == ("assistant", "a red")
    assert choice.finish_reason == "length"
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (11, 3)
    assert reply.usage.total_tokens == 14
    assert reply.videoscan == EXTRA
    (job,) = worker.jobs
    assert (job.model_id, job.question, job.video) == ("videoscan-live", "What now?", None)
    assert job.options.generation.max_new_tokens == 5


@pytest.mark.parametrize("stop,finish", [
    ("eos", "stop"), ("stop_string", "stop"), ("max_tokens", "length"), ("cancelled", "stop")
])  # fmt: skip
def test_each_stop_reason_maps_to_openais_finish_reason_whole_and_streamed(
    served, worker, stop, finish
):
    worker.script = [("delta", "x"), ("done", result("x", stop))]
    client = api(served)
    whole = client.chat.completions.create(model="videoscan-live", messages=LIVE_MESSAGES)
    assert whole.choices[0].finish_reason == finish
    chunks = list(client.chat.completions.create(
        model="videoscan-live", messages=LIVE_MESSAGES, stream=True))  # fmt: skip
    assert [c.choices[0].finish_reason for c in chunks] == [None, None, finish]


def test_the_text_is_the_pieces_joined_when_the_result_has_none(served, worker):
    worker.script = [("delta", " a "), ("delta", "blue "), ("done", result(""))]
    reply = api(served).chat.completions.create(model="videoscan-live", messages=LIVE_MESSAGES)
    assert reply.choices[0].message.content == "a blue"


def test_without_include_usage_the_finishing_chunk_carries_usage(served, worker):
    worker.script = [("delta", "a"), ("delta", "b"), ("done", result("ab"))]
    chunks = list(api(served).chat.completions.create(
        model="videoscan-live", messages=LIVE_MESSAGES, stream=True))  # fmt: skip
    assert all(c.object == "chat.completion.chunk" and len(c.choices) == 1 for c in chunks)
    assert len({c.id for c in chunks}) == 1 and all(c.model == "videoscan-live" for c in chunks)
    first = chunks[0].choices[0].delta
    assert (first.role, first.content) == ("assistant", "")
    assert [c.choices[0].delta.content for c in chunks[1:3]] == ["a", "b"]
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop" and last.usage.total_tokens == 14
    assert last.videoscan == EXTRA
    assert all(c.usage is None for c in chunks[:-1])


def test_with_include_usage_usage_comes_alone_in_a_last_chunk_without_choices(served, worker):
    worker.script = [("delta", "a"), ("done", result("a", prompt=20, completion=1))]
    chunks = list(api(served).chat.completions.create(
        model="videoscan-live", messages=LIVE_MESSAGES, stream=True,
        stream_options={"include_usage": True}))  # fmt: skip
    finishing = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finishing) == 1 and finishing[0].usage is None
    assert finishing[0].videoscan == EXTRA
    assert chunks[-1].choices == [] and chunks[-1] is not finishing[0]
    assert (chunks[-1].usage.prompt_tokens, chunks[-1].usage.total_tokens) == (20, 21)
    assert sum(1 for c in chunks if c.usage is not None) == 1


def test_the_stream_ends_with_done_after_the_last_chunk(served, worker):
    for include in (False, True):
        raw = sse_lines(served, {"model": "videoscan-live", "messages": LIVE_MESSAGES,
                                 "stream": True, "stream_options": {"include_usage": include}})
        assert raw[-1] == "[DONE]" and raw.count("[DONE]") == 1
        assert len(raw) == 4 + include  # role, "Hi", the finish, (usage), [DONE]


def sse_lines(served, body: dict) -> list[str]:
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=60)
    try:
        connection.request("POST", "/v1/chat/completions", json.dumps(body),
                           {"Content-Type": "application/json"})  # fmt: skip
        response = connection.getresponse()
        assert response.status == 200 and response.getheader("content-type").startswith(
            "text/event-stream")  # fmt: skip
        text = response.read().decode()
    finally:
        connection.close()
    return [line[len("data: "):] for line in text.split("\n\n") if line]


def test_an_error_before_the_first_piece_is_an_http_error(served, worker):
    worker.script = [("error", APIError(400, "the question is too long", param="messages"))]
    for stream in (False, True):
        with pytest.raises(openai.BadRequestError) as error:
            reply = api(served).chat.completions.create(
                model="videoscan-live", messages=LIVE_MESSAGES, stream=stream)
            list(reply) if stream else None
        assert error.value.status_code == 400
        assert error.value.body["message"] == "the question is too long"
        assert error.value.body["param"] == "messages"


def test_an_error_after_pieces_is_an_error_event_in_the_stream_then_done(served, worker):
    worker.script = [("delta", "a"), ("error", APIError(500, "boom", "server_error"))]
    raw = sse_lines(served, {"model": "videoscan-live", "messages": LIVE_MESSAGES,
                             "stream": True})  # fmt: skip
    assert json.loads(raw[-2]) == {"error": {"message": "boom", "type": "server_error",
                                             "param": None, "code": None}}  # fmt: skip
    assert raw[-1] == "[DONE]"
    with pytest.raises(openai.InternalServerError):  # whole: the error, not a partial answer
        api(served).chat.completions.create(model="videoscan-live", messages=LIVE_MESSAGES)


def endless(job) -> None:
    """A job that writes until it is cancelled, then finishes as cancelled."""
    job.emit("delta", "more")
    job.cancel.wait(120)
    job.emit("done", result("more", "cancelled"))


def leave(served, body: dict) -> None:
    """Send ``body``, wait until the worker has its job, and hang up without reading."""
    data = json.dumps(body).encode()
    with socket.create_connection(("127.0.0.1", served.port), timeout=60) as connection:
        connection.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: "
            + str(len(data)).encode() + b"\r\n\r\n" + data
        )  # fmt: skip
        assert served.worker.received.wait(60)


@pytest.mark.parametrize("stream", [False, True])
def test_a_client_that_leaves_cancels_its_job_streamed_or_not(served, worker, stream):
    worker.script = endless
    leave(served, {"model": "videoscan-live", "messages": LIVE_MESSAGES, "stream": stream})
    (job,) = worker.jobs
    assert job.cancel.wait(60), "the job of a client that left was not cancelled"


def test_a_client_that_stays_does_not_cancel(served, worker):
    reply = api(served).chat.completions.create(model="videoscan-live", messages=LIVE_MESSAGES)
    assert reply.choices[0].message.content == "Hi"
    assert not worker.jobs[0].cancel.is_set()


def test_a_file_model_request_is_sent_with_its_video_and_options(served, worker):
    content = [{"type": "video_url", "video_url": {"url": VIDEO, "fps": 2}},
               {"type": "text", "text": "Which colour?"}]  # fmt: skip
    api(served).chat.completions.create(
        model=MODEL, messages=[{"role": "system", "content": "Be brief."},
                               {"role": "user", "content": content}],
        max_tokens=9, temperature=0.5, seed=3, stop=["."],
        extra_body={"memory": 6, "num_frames": 4},
    )  # fmt: skip
    (job,) = worker.jobs
    assert (job.model_id, job.question, job.system) == (MODEL, "Which colour?", "Be brief.")
    assert (job.video.kind, job.video.fps, job.video.num_frames) == ("bytes", 2.0, 4)
    generation = job.options.generation
    assert (generation.max_new_tokens, generation.temperature, generation.seed) == (9, 0.5, 3)
    assert generation.stop_strings == (".",) and job.options.memory == 6


def test_model_errors_come_before_the_worker(served, worker):
    client = api(served)
    with pytest.raises(openai.NotFoundError) as error:
        client.chat.completions.create(model="nope", messages=LIVE_MESSAGES)
    assert error.value.code == "model_not_found" and error.value.body["param"] == "model"
    with pytest.raises(openai.BadRequestError, match="answers about a video"):
        client.chat.completions.create(model=MODEL, messages=LIVE_MESSAGES)
    video = [{"role": "user", "content": [{"type": "video_url", "video_url": VIDEO},
                                          {"type": "text", "text": "Q"}]}]  # fmt: skip
    with pytest.raises(openai.BadRequestError, match="answers from the live stream"):
        client.chat.completions.create(model="videoscan-live", messages=video)
    assert_error(send(served.port, body={"messages": LIVE_MESSAGES}), 400)
    assert worker.jobs == []


# -- the body -----------------------------------------------------------------------------------
def body_of_size(size: int) -> bytes:
    head = json.dumps({"model": "videoscan-live", "messages": LIVE_MESSAGES}).encode()
    return head[:-1] + b" " * (size - len(head)) + b"}"


def chunked(served, data: bytes) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=60)
    try:
        pieces = [data[i : i + 1000] for i in range(0, len(data), 1000)]
        connection.request("POST", "/v1/chat/completions", iter(pieces),
                           {"Content-Type": "application/json"}, encode_chunked=True)  # fmt: skip
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_a_body_of_exactly_the_limit_is_read_one_byte_more_is_413(served, worker):
    exact, over = body_of_size(LIMIT), body_of_size(LIMIT + 1)
    assert len(exact) == LIMIT and json.loads(exact)["model"] == "videoscan-live"
    assert send(served.port, body=exact)[0] == 200
    assert chunked(served, exact)[0] == 200  # no Content-Length: counted as it comes
    error = assert_error(send(served.port, body=over), 413, "body_too_large")
    assert error["message"] == f"the request body is larger than {LIMIT} bytes"
    assert_error(chunked(served, over), 413, "body_too_large")
    assert len(worker.jobs) == 2


def test_a_body_that_is_not_a_json_object_is_a_400(served, worker):
    for data, said in ((b"[1, 2]", "must be a JSON object"), (b'{"a": ', "not valid JSON"),
                       (b'{"a": "\xff"}', "not valid JSON")):  # fmt: skip
        assert said in assert_error(send(served.port, body=data), 400)["message"]
    assert worker.jobs == []


def test_routes_models_health_and_unknown_paths(served, worker):
    assert [m.id for m in api(served).models.list()][:2] == ["videoscan-live", MODEL]
    status, body = send(served.port, "/v1/models")
    assert body["object"] == "list"
    assert body["data"][0] == {"id": "videoscan-live", "object": "model", "created": 0,
                               "owned_by": "videoscan"}  # fmt: skip
    assert send(served.port, "/health") == (200, {"status": "ok", "pending": 7, "live": True,
                                                   "frames_seen": 3})  # fmt: skip
    assert_error(send(served.port, "/v1/nothing"), 404, "not_found")
    assert_error(send(served.port, "/v1/models", body={}, method="POST"), 405)


def test_the_search_route_limits_and_refusals(served, worker):
    from tests.serve.test_mcp_tools import read_lines
    from videoscan_core.screen_text.retrieve import MAX_HITS

    path = "/v1/videoscan/search?q=gate"
    assert "no screen text here" in assert_error(send(served.port, path), 404)["message"]
    worker.screen_text = read_lines(*[(f"gate B{n} boarding", n, n + 1.0) for n in range(3)])
    try:
        status, body = send(served.port, path + "&limit=1")
        assert status == 200 and len(body["hits"]) == 1
        assert set(body["hits"][0]) >= {"text", "first_seen", "last_seen"}
        assert len(send(served.port, path + f"&limit={MAX_HITS}")[1]["hits"]) == 3
        for limit in (0, MAX_HITS + 1):
            error = assert_error(send(served.port, path + f"&limit={limit}"), 400)
            assert error["param"] == "limit" and f"from 1 to {MAX_HITS}" in error["message"]
        assert assert_error(send(served.port, path + "&limit=x"), 400)["param"] == "limit"
        assert assert_error(send(served.port, "/v1/videoscan/search?q=%20"), 400)["param"] == "q"
    finally:
        worker.screen_text = None


def test_an_unforeseen_failure_is_openais_500_body_without_its_text(served, worker):
    worker.failing = True
    error = assert_error(send(served.port, "/health"), 500)
    assert error["type"] == "server_error" and "secret" not in error["message"]
    worker.failing = False
    assert send(served.port, "/health")[0] == 200  # and the server goes on
