"""Requests a web page or a careless program could send to the loopback server.

One keyless loopback server (tiny model, a live file source) and one with a key. Each refusal is
checked for its status and OpenAI error body; the server must still answer afterwards (a
request that crashed it would fail every later check).
"""

from __future__ import annotations

import base64
import http.client
import json

import pytest

from tests.serve.test_openai_server import write_video

pytest.importorskip("uvicorn")
MODEL = "tiny-test"


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    write_video(folder / "live.mp4", 60, 10.0, seed=3)
    write_video(folder / "clip.mp4", 10, 5.0, seed=4)
    return folder


@pytest.fixture(scope="module")
def servers(clip, tiny_vlm):
    from videoscan_core.serve.server import VideoScanServer

    keyless = VideoScanServer(MODEL, tiny_vlm, source=f"file:{clip / 'live.mp4'}", memory=4)
    keyed = VideoScanServer(MODEL, tiny_vlm, api_key="k", memory=4)
    ports = keyless.start(), keyed.start()
    yield ports
    keyless.stop()
    keyed.stop()


def send(port, path="/v1/chat/completions", body=None, headers=None, method=None):
    """(status, parsed JSON body or None) of one raw request."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json"} if data is not None else {}
    if data is not None:
        sent["Content-Length"] = str(len(data))
    sent.update(headers or {})
    try:
        connection.putrequest(method or ("POST" if data is not None else "GET"), path,
                              skip_host="Host" in sent)  # fmt: skip
        for name, value in sent.items():
            connection.putheader(name, value)
        connection.endheaders(data)
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    try:
        return response.status, json.loads(raw)
    except ValueError:
        return response.status, None


def video_body(clip, **video) -> dict:
    data = base64.b64encode((clip / "clip.mp4").read_bytes()).decode()
    part = {"type": "input_video", "input_video": {"data": data, **video}}
    message = {"role": "user", "content": [part, {"type": "text", "text": "Q?"}]}
    return {"model": MODEL, "max_tokens": 2, "messages": [message]}


LIVE = {
    "model": "videoscan-live",
    "max_tokens": 2,
    "messages": [{"role": "user", "content": "Hi"}],
}


def assert_error(reply, status: int, code: str | None = None) -> dict:
    got, body = reply
    assert got == status, body
    assert body is not None and set(body["error"]) == {"message", "type", "param", "code"}, body
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


def test_a_foreign_host_a_browser_origin_and_text_bodies_are_refused(servers):
    port, _ = servers
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
    _, port = servers
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
    port, _ = servers
    body = video_body(clip, **video)
    if "data" in video:
        body["messages"][0]["content"][0]["input_video"]["data"] = video["data"]
    error = assert_error(send(port, body=body), 400)
    assert "videoscan-serve" not in error["message"] and "/tmp" not in error["message"]
    assert send(port, body=LIVE)[0] == 200  # still serving


@pytest.mark.parametrize("kwargs", ["fps=2", ["fps"], 3, True])
def test_mm_processor_kwargs_of_the_wrong_type_is_a_400(servers, clip, kwargs):
    port, _ = servers
    assert_error(send(port, body=video_body(clip) | {"mm_processor_kwargs": kwargs}), 400)
