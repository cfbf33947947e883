"""Every entry point applies the same cost caps (``videoscan_core.limits``): the API and MCP here,
the CLI in ``tests/core/test_limits.py``. Each over-sized request is refused at once, or cut with
a warning in words, and never costs minutes and gigabytes."""

from __future__ import annotations

import asyncio
import base64
import struct
import tempfile
import time
import zlib

import pytest

from tests.core.test_short_read import cut_in_half, write_faststart_mp4
from tests.serve.raw_http import LIVE, MODEL, assert_error, send, video_body
from videoscan_core.limits import MAX_CONDITIONS, MAX_QUESTION_CHARS


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` pixels (decoding it would take gigabytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def images_body(*images: bytes) -> dict:
    parts = [
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,"
                                                   + base64.b64encode(i).decode()}}  # fmt: skip
        for i in images
    ]
    message = {"role": "user", "content": [*parts, {"type": "text", "text": "What?"}]}
    return {"model": MODEL, "max_tokens": 2, "messages": [message]}


def test_a_huge_question_history_memory_or_image_is_refused_at_once(servers):
    port = servers.open
    started = time.monotonic()
    huge = "how many shapes? " * 5900  # 100,300 characters: 87 s and 4.9 GB before
    error = assert_error(send(port, body=LIVE | {"messages": [{"role": "user", "content": huge}]}),
                         400)  # fmt: skip
    assert "too long" in error["message"] and f"{MAX_QUESTION_CHARS:,}" in error["message"]
    for memory in (10**12, 10**6, 0, 2.5):
        assert_error(send(port, body=LIVE | {"memory": memory}), 400)  # 1e12 was a raw 500
    assert_error(send(port, body=LIVE | {"seed": 2**70}), 400)
    for width, said in ((16000, "larger"), (9000, "9000x9000")):  # Pillow's cap, and ours
        error = assert_error(send(port, body=images_body(png_header(width, width))), 400)
        assert said in error["message"] and "at most 8192x8192" in error["message"]
    assert time.monotonic() - started < 60  # each refused before any decoding or streaming


def test_a_video_cut_short_says_so(servers, clip, tmp_path):
    port = servers.open
    cut_in_half(write_faststart_mp4(tmp_path / "whole.mp4"), tmp_path / "half.mp4")
    status, body = send(port, body=video_body(tmp_path, "half.mp4"))
    assert status == 200, body
    assert any("stopped at frame" in w for w in body["videoscan"]["warnings"])


def test_a_request_over_its_time_budget_answers_from_what_it_streamed(servers, clip):
    worker = servers.live.worker
    saved, worker.max_request_seconds = worker.max_request_seconds, 0.0
    try:
        status, body = send(servers.open, body=video_body(clip))
    finally:
        worker.max_request_seconds = saved
    assert status == 200, body
    assert body["videoscan"]["frames_streamed"] == 1
    assert "took longer than 0 s" in body["videoscan"]["warnings"][0]


def test_a_data_video_never_touches_the_disk(servers, clip, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", "/nonexistent/videoscan-test")  # no temp folder
    status, body = send(servers.open, body=video_body(clip))
    assert status == 200, body
    assert body["videoscan"]["frames_streamed"] >= 2 and body["videoscan"]["warnings"] == []


def test_file_urls_do_not_tell_a_missing_file_from_an_unreadable_one(servers, tmp_path):
    port = servers.open
    (tmp_path / "notes.txt").write_text("not a video")
    said = set()
    for name in ("missing.mp4", "notes.txt", ""):
        path = tmp_path / name
        part = {"type": "video_url", "video_url": {"url": f"file://{path}"}}
        message = {"role": "user", "content": [part, {"type": "text", "text": "Q?"}]}
        error = assert_error(send(port, body={"model": MODEL, "messages": [message]}), 400)
        said.add(error["message"].replace(str(path), "PATH"))
    assert said == {"PATH cannot be read as a video"}


def test_mcp_says_why_and_caps_alerts(tiny_vlm, tmp_path):
    from mcp.server.mcpserver.exceptions import ToolError

    from videoscan_core.serve.mcp_server import build_mcp
    from videoscan_core.serve.models import ModelPool
    from videoscan_core.serve.worker import EngineWorker

    worker = EngineWorker(ModelPool("tiny", tiny_vlm, live=True), memory=4, live=True).start()
    alerts_file = tmp_path / "alerts.json"
    server = build_mcp(worker, alerts_file)

    async def refused(tool: str, arguments: dict) -> str:
        with pytest.raises(ToolError) as error:
            await server.call_tool(tool, arguments)
        return str(error.value)

    async def session() -> None:
        assert "ask a question" in await refused("ask_screen", {"question": " "})
        assert "max_tokens" in await refused("ask_screen", {"question": "Q", "max_tokens": -5})
        assert "too long" in await refused("ask_screen", {"question": "x" * 100_000})
        assert "too long" in await refused("add_alert", {"condition": "red " * 5000})
        assert "thresholds" in await refused("add_alert", {"condition": "a", "threshold": 5})
        for i in range(MAX_CONDITIONS):
            await server.call_tool("add_alert", {"condition": f"shape {i}", "threshold": 0.2})
        assert f"at most {MAX_CONDITIONS}" in await refused("add_alert", {"condition": "more"})
        assert worker.watcher.conditions()[0].off_threshold == 0.0  # re-arms below 0.2
        await server.call_tool("remove_alert", {"id": worker.watcher.conditions()[0].id})
        alerts_file.unlink()
        alerts_file.mkdir()  # the next save fails: that alert is not kept
        assert "cannot be saved" in await refused("add_alert", {"condition": "kept?"})
        assert len(worker.watcher.conditions()) == MAX_CONDITIONS - 1

    try:
        asyncio.run(asyncio.wait_for(session(), 120))
    finally:
        worker.stop()
