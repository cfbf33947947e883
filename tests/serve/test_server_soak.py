"""A soak of the server (slow suite): many clients, every kind of request, some abandoned.

Bounded by count, not by time: 8 clients send 30 requests each (live questions, streamed ones,
videos, follow-ups, requests abandoned before the answer) while a looping live source streams.
Checked afterwards, whatever the machine's speed: every request was answered (or refused in
words when the queue was full), the live memory kept streaming during the load, nothing waits,
the process's memory settled (growth after the warm-up bounded), no thread was left behind, and
the server stops.
"""

from __future__ import annotations

import base64
import http.client
import json
import random
import socket
import threading

import psutil
import pytest

from tests.serve.raw_http import MODEL, send

pytestmark = pytest.mark.slow
CLIENTS, REQUESTS = 8, 30
GROWTH_MB = 200  # after the warm-up; a leak of even 1 MB per request would pass this


def streamed(port: int, body: dict) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        connection.request("POST", "/v1/chat/completions", json.dumps(body),
                           {"Content-Type": "application/json"})  # fmt: skip
        response = connection.getresponse()
        assert response.status == 200
        return response.read().decode()
    finally:
        connection.close()


def abandoned(port: int, body: dict) -> None:
    """Send a request and go away before the answer."""
    data = json.dumps(body).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as client:
        client.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(data) + data
        )


def test_the_server_survives_a_soak(tiny_vlm, clip):
    from videoscan_core.serve.server import VideoScanServer

    video = base64.b64encode((clip / "clip.mp4").read_bytes()).decode()
    live = {"model": "videoscan-live", "max_tokens": 3,
            "messages": [{"role": "user", "content": "What is shown?"}]}  # fmt: skip
    kinds = {
        "live": live,
        "stream": live | {"stream": True, "stream_options": {"include_usage": True}},
        "follow-up": live | {"messages": [
            {"role": "user", "content": "What now?"}, {"role": "assistant", "content": "red"},
            {"role": "user", "content": "And before?"}]},
        "video": {"model": MODEL, "max_tokens": 2, "messages": [{"role": "user", "content": [
            {"type": "input_video", "input_video": {"data": video, "format": "mp4"}},
            {"type": "text", "text": "Q?"}]}]},
    }  # fmt: skip
    threads_before = threading.active_count()
    server = VideoScanServer(MODEL, tiny_vlm, source=f"webcam:{clip / 'clip.mp4'}", fps=4.0,
                             memory=8)  # fmt: skip  (a webcam stand-in file loops forever)
    port = server.start()
    process = psutil.Process()
    outcomes: list[str] = []
    done = threading.Barrier(CLIENTS + 1)
    warm = threading.Barrier(CLIENTS + 1)

    def one(kind: str) -> str:
        if kind == "abandoned":
            abandoned(port, kinds["live"])
            return "abandoned"
        if kind == "stream":
            text = streamed(port, kinds[kind])
            return "ok" if text.endswith("data: [DONE]\n\n") else f"bad stream {text[-80:]}"
        status, body = send(port, body=kinds[kind])
        busy = status == 503 and "waiting" in body["error"]["message"]  # the queue was full
        return "ok" if status == 200 or busy else f"{status} {body}"

    def client(number: int) -> None:
        rng = random.Random(number)
        for index in range(REQUESTS):
            if index == 5:
                warm.wait(600)  # everyone past the warm-up
            try:
                outcomes.append(one(rng.choice([*kinds, "abandoned"])))
            except Exception as error:  # recorded, and the other clients go on
                outcomes.append(f"error {error!r}")
        done.wait(1800)

    workers = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    try:
        for worker in workers:
            worker.start()
        warm.wait(600)
        rss_warm, frames_warm = process.memory_info().rss, server.worker.live_engine.frames_seen
        done.wait(1800)
        assert server.worker.wait_until(lambda: server.worker.pending() == 0, timeout=300)
        rss_end, frames_end = process.memory_info().rss, server.worker.live_engine.frames_seen
        assert send(port, "/health")[1]["live"] is True
    finally:
        server.stop()
    for worker in workers:
        worker.join(60)
    bad = [o for o in outcomes if o not in ("ok", "abandoned")]
    assert len(outcomes) == CLIENTS * REQUESTS and not bad, bad[:5]
    assert frames_end > frames_warm  # the live memory kept streaming under the load
    assert (rss_end - rss_warm) / 2**20 < GROWTH_MB
    assert threading.active_count() <= threads_before + 1  # uvicorn's and ours are gone
