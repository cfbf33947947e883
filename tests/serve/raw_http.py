"""Raw HTTP for the server tests: one request with exactly the headers given, and the checks of
OpenAI error bodies."""

from __future__ import annotations

import base64
import http.client
import json

MODEL = "tiny-test"
LIVE = {
    "model": "videoscan-live",
    "max_tokens": 2,
    "messages": [{"role": "user", "content": "Hi"}],
}


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


def video_body(folder, name: str = "clip.mp4", **video) -> dict:
    data = base64.b64encode((folder / name).read_bytes()).decode()
    part = {"type": "input_video", "input_video": {"data": data, **video}}
    message = {"role": "user", "content": [part, {"type": "text", "text": "Q?"}]}
    return {"model": MODEL, "max_tokens": 2, "messages": [message]}


def assert_error(reply, status: int, code: str | None = None) -> dict:
    got, body = reply
    assert got == status, body
    assert body is not None and set(body["error"]) == {"message", "type", "param", "code"}, body
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]
