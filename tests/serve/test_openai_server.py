"""``videoscan serve`` through the real ``openai`` client, on 127.0.0.1 with a free port.

One server per module (tiny model, API key, a live file source playing while the tests run, a
2 MB body limit). Answers are checked against the engine run directly on the same frames with an
identical copy of the model; every call is bounded by the client's timeout.
"""

from __future__ import annotations

import base64
import functools
import json
import threading
import time
import urllib.error
import urllib.request

import numpy as np
import pytest

from videoscan_core.config import EngineConfig, GenerationOptions
from videoscan_core.serve.media import VideoInput, iter_samples
from videoscan_core.stream.engine import StreamingEngine
from videoscan_core.stream.frame_batches import stream_frames
from videoscan_core.video import import_cv2

openai = pytest.importorskip("openai")
pytest.importorskip("uvicorn")

KEY = "test-key"
MODEL = "tiny-test"
QUESTIONS = ("What is shown?", "What changed?")


def write_video(path, frames: int, fps: float, seed: int) -> None:
    cv2 = import_cv2()
    rng = np.random.default_rng(seed)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (64, 48))
    for i in range(frames):
        frame = np.full((48, 64, 3), 30, np.uint8)
        frame[:, :, i % 3] = rng.integers(60, 250)
        frame[10:30, (3 * i) % 40 : (3 * i) % 40 + 20] = 255
        writer.write(frame)
    writer.release()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serve")
    write_video(folder / "live.mp4", 120, 10.0, seed=1)  # 12 s, played at half speed, 4 FPS
    write_video(folder / "clip.mp4", 20, 5.0, seed=2)  # 4 s
    return folder


@pytest.fixture(scope="module")
def server(files, tiny_vlm):
    from videoscan_core.serve.server import VideoScanServer

    server = VideoScanServer(
        MODEL,
        tiny_vlm,
        api_key=KEY,
        source=f"file:{files / 'live.mp4'}",
        fps=4.0,
        speed=0.5,
        memory=8,
        max_body_bytes=2 * 1024 * 1024,
    )
    port = server.start()
    server.url = f"http://127.0.0.1:{port}/v1"
    yield server
    server.stop()


@pytest.fixture(scope="module")
def reference_model():
    """The same weights as ``tiny_vlm``, so references never share a module with the server."""
    from videoscan_core.adapters.llava_onevision import VisionLanguageModel
    from videoscan_core.tiny.llava import build_tiny_model

    return VisionLanguageModel(*build_tiny_model(seed=0, attn="sdpa"))


def client(server, key: str = KEY, timeout: float = 120.0):
    return openai.OpenAI(base_url=server.url, api_key=key, max_retries=0, timeout=timeout)


def data_url(path) -> str:
    return "data:video/mp4;base64," + base64.b64encode(path.read_bytes()).decode()


def video_message(url: str, question: str, **hints) -> list[dict]:
    return [
        {
            "role": "user",
            "content": [
                {"type": "video_url", "video_url": {"url": url, **hints}},
                {"type": "text", "text": question},
            ],
        }
    ]


def reference_answer(model, path, question: str, fps: float, memory: int, tokens: int) -> str:
    engine = StreamingEngine(model, EngineConfig(memory_size=memory))
    for _ in stream_frames(engine, iter_samples(VideoInput("file", path=path, fps=fps)), 4):
        pass
    return engine.answer(question, GenerationOptions(max_new_tokens=tokens))


def test_models_and_live_questions_while_frames_stream(server):
    api = client(server)
    assert [m.id for m in api.models.list()][:2] == ["videoscan-live", MODEL]
    seen = []
    engine = server.worker.live_engine
    for question in QUESTIONS:
        # wait until the worker has streamed another live frame
        more = functools.partial(lambda seen: engine.frames_seen > seen, engine.frames_seen)
        assert server.worker.wait_until(more, timeout=60)
        reply = api.chat.completions.create(
            model="videoscan-live",
            messages=[{"role": "user", "content": question}],
            max_tokens=6,
        )
        assert reply.choices[0].message.role == "assistant"
        assert isinstance(reply.choices[0].message.content, str)
        assert reply.usage.completion_tokens >= 1 and reply.usage.prompt_tokens > 0
        extra = reply.videoscan
        assert extra["source"] == "live" and extra["memory_size"] == 8
        assert all(e["time"] in extra["carrier_times"] for e in extra["evidence"])
        seen.append(extra["frames_seen"])
    assert not server.source.finished.is_set(), "the live source ended before the questions"
    assert 0 < seen[0] < seen[1]
    assert engine.cache.length == engine.layout.length  # answers rolled back


def test_streaming_matches_the_whole_answer_and_reports_usage(server, files, reference_model):
    api = client(server)
    url = data_url(files / "clip.mp4")
    messages = video_message(url, QUESTIONS[0], fps=2)
    whole = api.chat.completions.create(
        model=MODEL, messages=messages, max_tokens=8, extra_body={"memory": 4}
    )
    expected = reference_answer(reference_model, files / "clip.mp4", QUESTIONS[0], 2.0, 4, 8)
    assert whole.choices[0].message.content == expected
    assert whole.videoscan["frames_streamed"] == 8 and whole.videoscan["memory_size"] == 4
    chunks = list(
        api.chat.completions.create(
            model=MODEL,
            messages=messages,
            max_tokens=8,
            stream=True,
            stream_options={"include_usage": True},
            extra_body={"memory": 4},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.strip() == expected
    finishing = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finishing) == 1 and finishing[0].videoscan["source"] == "video"
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == whole.usage.total_tokens


def test_image_frames_and_input_video_with_hints(server, files):
    api = client(server)
    cv2 = import_cv2()
    frames = []
    for value in (40, 120, 200):
        ok, png = cv2.imencode(".png", np.full((32, 32, 3), value, np.uint8))
        frames.append({"type": "image_url", "image_url": {"url": "data:image/png;base64,"
                       + base64.b64encode(png.tobytes()).decode()}})  # fmt: skip
    reply = api.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": [*frames, {"type": "text", "text": "Describe."}]}],
        max_tokens=3,
    )
    assert reply.videoscan["frames_streamed"] == 3 and reply.videoscan["carrier_times"][-1] == 2.0
    data = base64.b64encode((files / "clip.mp4").read_bytes()).decode()
    part = {"type": "input_video", "input_video": {"data": data, "format": "mp4"}}
    reply = api.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": [part, {"type": "text", "text": "Describe."}]}],
        max_tokens=3,
        extra_body={"num_frames": 5},
    )
    assert reply.videoscan["frames_streamed"] == 5


def test_errors_have_openai_bodies(server, files):
    with pytest.raises(openai.AuthenticationError) as error:
        client(server, key="wrong").models.list()
    assert error.value.status_code == 401 and error.value.code == "invalid_api_key"
    api = client(server)
    with pytest.raises(openai.NotFoundError) as error:
        api.chat.completions.create(
            model="no-such-model", messages=[{"role": "user", "content": "hi"}]
        )
    assert error.value.code == "model_not_found" and "no-such-model" in error.value.message
    big = b"\0" * (3 * 1024 * 1024)
    url = "data:video/mp4;base64," + base64.b64encode(big).decode()
    with pytest.raises(openai.APIStatusError) as error:
        api.chat.completions.create(model=MODEL, messages=video_message(url, "What?"))
    assert error.value.status_code == 413 and error.value.body["code"] == "body_too_large"
    request = urllib.request.Request(
        server.url + "/chat/completions",
        data=b'{"model": "tiny-test", "messages": [',
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as failure:
        urllib.request.urlopen(request, timeout=30)
    assert failure.value.code == 400
    body = json.loads(failure.value.read())
    assert body["error"]["type"] == "invalid_request_error" and "JSON" in body["error"]["message"]
    with pytest.raises(openai.BadRequestError):  # a file model needs a video
        api.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])


def test_eight_concurrent_clients_get_their_own_answers(server, files, reference_model):
    url = data_url(files / "clip.mp4")
    expected = {
        q: reference_answer(reference_model, files / "clip.mp4", q, 2.0, 4, 6) for q in QUESTIONS
    }
    answers: dict[int, str] = {}
    failures: list[BaseException] = []

    def ask(index: int) -> None:
        try:
            api = client(server)
            if index % 4 == 3:  # some ask the live memory at the same time
                reply = api.chat.completions.create(
                    model="videoscan-live", messages=[{"role": "user", "content": "Now?"}],
                    max_tokens=4,
                )  # fmt: skip
                answers[index] = "live" if reply.videoscan["source"] == "live" else "?"
                return
            question = QUESTIONS[index % 2]
            reply = api.chat.completions.create(
                model=MODEL,
                messages=video_message(url, question, fps=2),
                max_tokens=6,
                stream=index % 2 == 0,
                extra_body={"memory": 4},
            )
            if index % 2 == 0:
                answers[index] = "".join(c.choices[0].delta.content or "" for c in reply).strip()
            else:
                answers[index] = reply.choices[0].message.content
        except BaseException as error:  # reported below
            failures.append(error)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert not failures, failures
    for index in range(8):
        wanted = "live" if index % 4 == 3 else expected[QUESTIONS[index % 2]]
        assert answers[index] == wanted, index
    engine = server.worker.live_engine
    assert engine.cache.length == engine.layout.length


def test_a_client_that_disconnects_cancels_its_answer(server):
    api = client(server)
    cancelled = server.worker.answers_cancelled
    stream = api.chat.completions.create(
        model="videoscan-live",
        messages=[{"role": "user", "content": "Tell me everything."}],
        max_tokens=4000,  # about two minutes of tokens if nobody stopped it
        stream=True,
    )
    started = time.monotonic()
    next(iter(stream))  # the answer has started
    stream.close()
    assert server.worker.wait_until(lambda: server.worker.answers_cancelled > cancelled, 30)
    assert server.worker.answers_cancelled == cancelled + 1
    assert time.monotonic() - started < 30
    reply = api.chat.completions.create(
        model="videoscan-live", messages=[{"role": "user", "content": "Still there?"}], max_tokens=2
    )
    assert reply.choices[0].finish_reason in ("stop", "length")


def test_a_public_host_needs_a_key():
    from videoscan_core.errors import VideoScanError
    from videoscan_core.serve.server import check_host, is_loopback

    with pytest.raises(VideoScanError, match="api-key"):
        check_host("0.0.0.0", None)
    check_host("0.0.0.0", "k")
    check_host("127.0.0.1", None)
    assert is_loopback("::1") and is_loopback("localhost") and not is_loopback("192.168.1.2")


@pytest.mark.slow
def test_the_serve_command_answers_until_stopped(files, tiny_model_dir):
    import os
    import signal
    import subprocess
    import sys

    from tests.ports import free_port

    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "videoscan_core.cli.main",
            "serve",
            "--model",
            str(tiny_model_dir),
            "--port",
            str(port),
            "--source",
            f"file:{files / 'live.mp4'}",
        ],  # fmt: skip
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    try:
        for line in process.stderr:  # bounded by the process: it either serves or exits
            if "serving http://127.0.0.1" in line:
                break
        api = openai.OpenAI(
            base_url=f"http://127.0.0.1:{port}/v1", api_key="none", max_retries=2, timeout=60
        )
        assert "videoscan-live" in [m.id for m in api.models.list()]
        reply = api.chat.completions.create(
            model="videoscan-live", messages=[{"role": "user", "content": "Hi?"}], max_tokens=2
        )
        assert reply.object == "chat.completion"
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) in (0, 130)


def test_earlier_turns_are_the_requests_own_follow_up_history(server):
    api = client(server)
    question = {"role": "user", "content": "And before that?"}
    alone = api.chat.completions.create(model="videoscan-live", messages=[question], max_tokens=2)
    earlier = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is on the screen now?"},
        {"role": "assistant", "content": "a red circle"},
    ]
    follow_up = api.chat.completions.create(
        model="videoscan-live", messages=[*earlier, question], max_tokens=2
    )
    engine = server.worker.live_engine
    shown = engine.model.tokenize("What is on the screen now? a red circle").shape[1]
    grown = follow_up.usage.prompt_tokens - alone.usage.prompt_tokens
    assert grown >= shown  # the earlier turn was shown (plus its chat-template tokens)
    assert not engine.history.turns()  # and nothing was remembered for other clients
