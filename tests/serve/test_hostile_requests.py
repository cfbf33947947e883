"""Requests a web page or a careless program could send to the loopback server.

One keyless loopback server (tiny model, a live file source) and one with a key (``servers`` in
``conftest.py``). Each refusal is checked for its status and OpenAI error body; the server must
still answer afterwards (a request that crashed it would fail every later check).
"""

from __future__ import annotations

import pytest

from tests.serve.raw_http import LIVE, MODEL, assert_error, send, video_body

pytest.importorskip("uvicorn")


def test_a_foreign_host_a_browser_origin_and_text_bodies_are_refused(servers):
    port = servers.open
    assert send(port, body=LIVE)[0] == 200
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", "localhost"):
        assert send(port, body=LIVE, headers={"Host": host})[0] == 200
    for host in ("attacker.example:8765", "127.0.0.1.nip.io", "localhost.attacker.example"):
        assert_error(send(port, body=LIVE, headers={"Host": host}), 403, "untrusted_host")
        assert_error(send(port, "/health", headers={"Host": host}), 403, "untrusted_host")
    for origin in ("http://attacker.example", "null", f"http://127.0.0.1:{port}"):
        assert_error(send(port, body=LIVE, headers={"Origin": origin}), 403, "browser_origin")
    for kind in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        assert_error(send(port, body=LIVE, headers={"Content-Type": kind}), 415)
    charset = {"Content-Type": "application/json; charset=utf-8"}
    assert send(port, body=LIVE, headers=charset)[0] == 200


def test_the_key_guards_every_path_and_odd_headers_are_401s(servers):
    port = servers.keyed
    for path in ("/health", "/v1/models"):
        assert_error(send(port, path), 401, "invalid_api_key")
        assert send(port, path, headers={"Authorization": "Bearer k"})[0] == 200
    for header in ("Bearer kk", "Basic k", "Bearer", "Bearer \u00e9t\u00e9"):
        raw = header.encode("utf-8").decode("latin-1")  # sent as UTF-8 bytes on the wire
        assert_error(send(port, "/health", headers={"Authorization": raw}), 401)


def test_the_apps_api_does_not_start_without_a_key(tiny_vlm):
    from videoscan_core.errors import VideoScanError
    from videoscan_core.serve.server import VideoScanServer

    with pytest.raises(VideoScanError, match="needs a key"):
        VideoScanServer("app", None, executor=lambda function: None)


@pytest.mark.parametrize(
    "video",
    [
        {"format": "mp4\udcff"},  # a lone surrogate: OpenCV segfaulted on the temp file's name
        {"format": "/../../x"},
        {"format": "m" * 300},
        {"format": 5},
        {"format": ["mp4"]},
        {"data": 5},
        {"data": ["x"]},
    ],
)
def test_odd_video_parts_are_400s_that_name_no_server_path(servers, clip, video):
    port = servers.open
    body = video_body(clip, **video)
    if "data" in video:
        body["messages"][0]["content"][0]["input_video"]["data"] = video["data"]
    error = assert_error(send(port, body=body), 400)
    assert "videoscan-serve" not in error["message"] and "/tmp" not in error["message"]
    assert send(port, body=LIVE)[0] == 200  # still serving


@pytest.mark.parametrize("kwargs", ["fps=2", ["fps"], 3, True])
def test_mm_processor_kwargs_of_the_wrong_type_is_a_400(servers, clip, kwargs):
    body = video_body(clip) | {"mm_processor_kwargs": kwargs}
    assert_error(send(servers.open, body=body), 400)


def test_a_connection_that_never_finishes_its_headers_is_closed(tiny_vlm):
    """Slowloris: a request head that never ends held its connection for good before."""
    import socket

    from videoscan_core.serve.server import VideoScanServer

    server = VideoScanServer(MODEL, tiny_vlm, memory=4)
    server.header_timeout_s = 0.5
    port = server.start()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as slow:
            slow.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            assert slow.recv(1024) == b""  # closed by the server (a timeout raises instead)
        assert send(port, "/v1/models")[0] == 200  # whole requests are still answered
    finally:
        server.stop()
