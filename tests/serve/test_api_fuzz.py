"""Fuzzing the chat API: random JSON shapes and content parts never give a 500 or kill the server.

A seeded generator builds a fixed number of request bodies (40 in the default suite, 400 in the
slow one), most of them a valid request with one to three random changes: random JSON values at the
top level and in every field the API reads (messages, roles, content parts of known and unknown
types, video and image URLs with valid, random and truncated data, hints, sampling options),
numbers at their edges (huge, negative, fractional, NaN, infinite), strings with lone surrogates.
Every reply must be a 2xx or a 4xx with OpenAI's error body; the server must still answer
afterwards. Valid requests ask for at most a few tokens, so the run is bounded in count and in
work.
"""

from __future__ import annotations

import base64
import json
import random

import pytest

from tests.serve.raw_http import MODEL, send

RUNS = [(40, 20261204), pytest.param(400, 1, marks=pytest.mark.slow)]  # (requests, seed)


class Fuzz:
    def __init__(self, seed: int, clip: bytes) -> None:
        self.rng = random.Random(seed)
        self.clip = clip

    def pick(self, *choices):
        return self.rng.choice(choices)

    def scalar(self):
        return self.pick(
            None, True, False, 0, -1, 1, 2**70, -(2**70), 0.5, 1e309, -1e309, float("nan"),
            "", "x", "mp4\udcff", "\u0000", "é" * 3, "a" * 5000, [], {},
        )  # fmt: skip

    def value(self, depth: int = 0):
        if depth > 2 or self.rng.random() < 0.5:
            return self.scalar()
        if self.rng.random() < 0.5:
            return [self.value(depth + 1) for _ in range(self.rng.randrange(4))]
        keys = ("type", "url", "text", "data", "format", "fps", "role", "content", "x")
        return {self.pick(*keys): self.value(depth + 1) for _ in range(self.rng.randrange(4))}

    def url(self, kind: str):
        data = self.pick(self.clip, self.clip[: len(self.clip) // 3], b"", b"\x00" * 64,
                         bytes(self.rng.randrange(256) for _ in range(200)))  # fmt: skip
        encoded = base64.b64encode(data).decode()
        return self.pick(
            f"data:{kind};base64,{encoded}", f"data:{kind},{encoded}", "data:;base64,!!",
            "file:///nonexistent/x.mp4", "file:///etc/hostname", "file:///", "http://example.com/v",
            "", self.value(),
        )  # fmt: skip

    def part(self):
        kind = self.pick("text", "image_url", "video_url", "input_video", "input_audio",
                         "file", None, 7, self.value())  # fmt: skip
        part: dict = {"type": kind}
        if kind == "text":
            part["text"] = self.pick("What is shown?", self.value())
        elif kind in ("image_url", "video_url"):
            url = self.url("image/png" if kind == "image_url" else "video/mp4")
            part[kind] = self.pick({"url": url}, url, {"url": url, "fps": self.scalar()})
        elif kind == "input_video":
            data = base64.b64encode(self.clip).decode()
            part[kind] = self.pick({"data": data, "format": self.pick("mp4", self.scalar())},
                                   {"url": self.url("video/mp4")}, self.value())  # fmt: skip
        elif self.rng.random() < 0.5:
            part[str(kind)] = self.value()
        return part

    def message(self):
        role = self.pick("user", "user", "assistant", "system", "developer", "tool", "x", None)
        content = self.pick(
            "What is shown?", [self.part() for _ in range(self.rng.randrange(1, 4))],
            [{"type": "text", "text": "Q?"}], self.value(),
        )  # fmt: skip
        return self.pick({"role": role, "content": content}, {"role": role}, self.value())

    def valid(self) -> dict:
        """A request the server answers: live, a video, images, with its hints."""
        clip = base64.b64encode(self.clip).decode()
        video = self.pick(
            {"type": "video_url", "video_url": {"url": f"data:video/mp4;base64,{clip}"}},
            {"type": "input_video", "input_video": {"data": clip, "format": "mp4"}},
        )
        if self.rng.random() < 0.3:
            return {"model": "videoscan-live", "max_tokens": 2,
                    "messages": [{"role": "user", "content": "What is shown?"}]}  # fmt: skip
        content = [video, {"type": "text", "text": "What is shown?"}]
        return {"model": MODEL, "max_tokens": 2, "fps": 2,
                "messages": [{"role": "system", "content": "Be brief."},
                             {"role": "user", "content": content}]}  # fmt: skip

    def mutate(self, body, depth: int = 0):
        """One random change somewhere in ``body``: a value replaced, a key dropped or added, a
        list item doubled, or a random part put in."""
        if isinstance(body, dict) and body and depth < 5:
            key = self.pick(*body)
            roll = self.rng.random()
            if roll < 0.45:
                body[key] = self.mutate(body[key], depth + 1)
            elif roll < 0.6:
                del body[key]
            elif roll < 0.75:
                body[self.pick("fps", "num_frames", "memory", "seed", "stop", "stream", "n",
                               "temperature", "top_p", "stream_options", "mm_processor_kwargs",
                               "max_completion_tokens", "format", "url", "type")] = self.value()
            else:
                body[key] = self.value()
            return body
        if isinstance(body, list) and body and depth < 5:
            index = self.rng.randrange(len(body))
            roll = self.rng.random()
            if roll < 0.5:
                body[index] = self.mutate(body[index], depth + 1)
            elif roll < 0.7:
                body.append(self.part())
            else:
                body.insert(index, self.pick(self.message(), self.part(), self.value()))
            return body
        return self.value()

    def body(self):
        if self.rng.random() < 0.1:
            return self.value()  # not even an object
        if self.rng.random() < 0.15:
            messages = [self.message() for _ in range(self.rng.randrange(1, 4))]
            model = self.pick("videoscan-live", MODEL, "nope", self.scalar())
            body = {"model": model, "max_tokens": 2, "messages": messages}
        else:
            body = self.valid()
            for _ in range(self.pick(0, 1, 1, 2, 3)):
                body = self.mutate(body)
        if isinstance(body, dict):  # a valid request stays a few tokens long
            for key in ("max_tokens", "max_completion_tokens"):
                if isinstance(body.get(key), int) and not isinstance(body[key], bool):
                    body[key] = max(-1, min(body[key], 4))
            if "max_tokens" not in body and "max_completion_tokens" not in body:
                body["max_tokens"] = 3
        return body


def encode(body) -> bytes:
    """JSON as a client could send it: NaN and Infinity included, lone surrogates escaped."""
    return json.dumps(body, allow_nan=True).encode()


@pytest.mark.parametrize(("count", "seed"), RUNS)
def test_random_requests_never_get_a_500_and_never_kill_the_server(servers, clip, count, seed):
    fuzz = Fuzz(seed, (clip / "clip.mp4").read_bytes())
    statuses: dict[int, int] = {}
    for index in range(count):
        body = fuzz.body()
        status, reply = send(servers.open, body=encode(body))
        statuses[status] = statuses.get(status, 0) + 1
        said = f"request {index}: {ascii(body)[:400]} -> {status} {ascii(reply)[:200]}"
        assert status < 500, said
        if status >= 400:
            assert reply is not None and "message" in reply["error"], said
    assert send(servers.open, "/health")[0] == 200  # alive afterwards
    answered, refused = statuses.get(200, 0), sum(v for k, v in statuses.items() if k >= 400)
    assert answered >= count // 10 and refused >= count // 4, statuses  # both paths exercised
