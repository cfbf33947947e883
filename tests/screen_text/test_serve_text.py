"""Screen text through the API and MCP: a live video source is read, answers carry the text they
were shown (``videoscan.evidence_text``), the search route and ``search_screen_text`` find lines
with their times, bad queries are refused as everywhere, and ``screen_text=False`` reads nothing."""

from __future__ import annotations

import asyncio
import base64
import json
import urllib.parse

import openai
import pytest
from mcp.server.mcpserver.exceptions import ToolError

from tests.serve.raw_http import send
from videoscan_core.screen_text.retrieve import MAX_QUERY_CHARS, all_lines
from videoscan_core.serve.mcp_server import build_mcp
from videoscan_core.serve.server import VideoScanServer

from .clips import LIVE_SCRIPT, write_clip

KEY = "k-text"
FLIGHT = "Flight LH4521 boards at gate B22"


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return write_clip(tmp_path_factory.mktemp("serve-text") / "screen.mp4", script=LIVE_SCRIPT)


def start(clip, tiny_vlm, screen_text=True):
    server = VideoScanServer("tiny", tiny_vlm, api_key=KEY, source=f"file:{clip}", fps=1.0,
                             speed=4.0, memory=8, screen_text=screen_text)  # fmt: skip
    server.port = server.start()
    server.url = f"http://127.0.0.1:{server.port}"
    assert server.source.finished.wait(120)  # the whole file was offered
    return server


@pytest.fixture(scope="module")
def server(clip, tiny_vlm):
    server = start(clip, tiny_vlm)
    server.clip = clip
    assert server.text.reader.wait_idle(120)
    yield server
    server.stop()


def get(server, path: str, key: str = KEY) -> tuple[int, dict]:
    return send(server.port, path, headers={"Authorization": f"Bearer {key}"} if key else {})


def test_live_answers_carry_the_screen_text_they_were_shown(server):
    lines = {line.text for line in all_lines(server.text.memory)}
    assert "Flight LH4521 boards at gate B22" in lines and "Order #A-77315 confirmed" in lines
    api = openai.OpenAI(base_url=server.url + "/v1", api_key=KEY, max_retries=0, timeout=120)
    reply = api.chat.completions.create(
        model="videoscan-live",
        messages=[{"role": "user", "content": "At which gate does flight LH4521 board?"}],
        max_tokens=3,
    )
    (shown,) = [row for row in reply.videoscan["evidence_text"] if row["text"] == FLIGHT]
    assert 2.0 <= shown["first_seen"] <= shown["last_seen"] == 5.0  # on screen to the end
    video = "data:video/mp4;base64," + base64.b64encode(server.clip.read_bytes()).decode()
    content = [{"type": "video_url", "video_url": {"url": video}},
               {"type": "text", "text": "Which file could not be opened?"}]  # fmt: skip
    reply = api.chat.completions.create(
        model="tiny", messages=[{"role": "user", "content": content}], max_tokens=3
    )
    rows = reply.videoscan["evidence_text"]  # the request's own video, every frame read
    error = {"text": "error: cannot open 'settings.toml'", "first_seen": 1.0, "last_seen": 5.0}
    assert error in rows


def test_the_search_route_finds_lines_and_refuses_bad_queries(server):
    status, found = get(server, "/v1/videoscan/search?q=" + urllib.parse.quote("GATE b22"))
    assert status == 200
    assert [hit["text"] for hit in found["hits"]] == [FLIGHT]
    assert set(found["hits"][0]) == {"text", "first_seen", "last_seen", "session", "source"}
    for query, message in [("", "empty"), ("%20?%20", "empty"),
                           ("x" * (MAX_QUERY_CHARS + 1), "too long")]:  # fmt: skip
        status, refused = get(server, f"/v1/videoscan/search?q={query}")
        assert status == 400 and message in refused["error"]["message"]
    assert get(server, "/v1/videoscan/search?q=gate&limit=0")[0] == 400
    assert get(server, "/v1/videoscan/search?q=gate&limit=x")[0] == 400
    assert get(server, "/v1/videoscan/search?q=gate", key="")[0] == 401  # no key


def test_mcp_searches_and_recent_memory_has_the_text(server):
    tools = build_mcp(server.worker)

    def call(name, arguments):
        try:
            result = asyncio.run(tools.call_tool(name, arguments))
        except ToolError as error:  # a refusal, in words
            return str(error)
        return result.structured_content or json.loads(result.content[0].text)

    hits = call("search_screen_text", {"query": "settings.toml"})["hits"]
    assert [h["text"] for h in hits] == ["error: cannot open 'settings.toml'"]
    assert "the search is empty" in call("search_screen_text", {"query": "  "})
    recent = call("recent_memory", {"minutes": 10})
    assert FLIGHT in [row["text"] for row in recent["screen_text"]]


def test_without_screen_text_nothing_is_read_or_searched(clip, tiny_vlm):
    server = start(clip, tiny_vlm, screen_text=False)
    try:
        assert server.text is None and server.worker.screen_text is None
        status, missing = get(server, "/v1/videoscan/search?q=gate")
        assert status == 404 and "no screen text" in missing["error"]["message"]
    finally:
        server.stop()
