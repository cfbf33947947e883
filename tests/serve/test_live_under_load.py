"""The live memory keeps up while requests queue, and /health says when the live source ended
or failed (a stale memory must not pass for a live one)."""

from __future__ import annotations

import pytest

from tests.serve.raw_http import send
from videoscan_core.serve.models import ModelPool
from videoscan_core.serve.worker import LIVE_FRAME_EVERY_JOBS, EngineWorker

pytest.importorskip("uvicorn")


def test_a_live_frame_is_streamed_between_queued_requests(tiny_vlm, random_frames):
    """A frame is always waiting and 20 requests are queued: before, no frame was streamed until
    the queue was empty (0 frames in 117 s under 32 clients)."""
    worker = EngineWorker(ModelPool("tiny", tiny_vlm, live=True), memory=4, live=True)
    frames = iter(random_frames(40))
    seen: list[int] = []

    def request(engine) -> None:  # a request that also offers the next live frame
        seen.append(engine.frames_seen)
        worker.submit_frame(float(len(seen)), next(frames))

    worker.submit_frame(0.0, next(frames))
    futures = [worker.run_on_engine(request) for _ in range(20)]  # queued before the worker starts
    worker.start()
    try:
        for future in futures:
            future.result(timeout=120)
    finally:
        worker.stop()
    assert seen[-1] >= 20 // LIVE_FRAME_EVERY_JOBS - 1
    assert all(b - a <= 1 for a, b in zip(seen, seen[1:], strict=False))


@pytest.mark.parametrize(
    ("spec", "state"), [("file:{clip}", "ended"), ("webcam:{missing}", "failed")]
)
def test_health_says_when_the_live_source_ended_or_failed(tiny_vlm, clip, tmp_path, spec, state):
    from videoscan_core.serve.server import VideoScanServer

    source = spec.format(clip=clip / "clip.mp4", missing=tmp_path / "missing.mp4")
    server = VideoScanServer("tiny", tiny_vlm, source=source, fps=5.0, speed=50.0, memory=4)
    port = server.start()
    try:
        assert server.source.finished.wait(60)
        status, health = send(port, "/health")
    finally:
        server.stop()
    assert status == 200 and health["live"] is False
    assert health["source"]["state"] == state
    if state == "failed":
        assert "missing.mp4" in health["source"]["reason"]
    else:
        assert health["source"]["frames"] >= 2
