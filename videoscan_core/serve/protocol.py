"""The OpenAI chat-completions wire format: errors, request options, response objects.

Contract: ``APIError(status, message, ...)`` is raised anywhere a request is refused; its
``body()`` is OpenAI's ``{"error": {"message", "type", "param", "code"}}``. ``ChatOptions.parse``
turns a request body into checked generation settings (``max_tokens`` /
``max_completion_tokens``, ``temperature``, ``top_p``, ``seed``, ``stop``, ``stream``,
``stream_options.include_usage``, and VideoScan's ``memory``) or raises ``APIError(400)``.
``completion(...)`` and ``chunk(...)`` build ``chat.completion`` / ``chat.completion.chunk``
objects; VideoScan's own data (evidence times, memory) rides in an extra ``videoscan`` field,
which the ``openai`` client keeps (``completion.videoscan`` / ``model_extra``).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from ..config import GenerationOptions
from ..errors import VideoScanError
from ..limits import MAX_NEW_TOKENS, check_memory


class APIError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
    ) -> None:
        # a message may quote the request (a model id, a part type): lone surrogates there
        # cannot be encoded as UTF-8, so they are spelled out (\udcff) instead of failing
        message = message.encode("utf-8", "backslashreplace").decode("utf-8")
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.param = (
            status,
            message,
            type,
            code,
            param,
        )

    def body(self) -> dict:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


def bad_request(message: str, param: str | None = None) -> APIError:
    return APIError(400, message, param=param)


@dataclass(frozen=True)
class ChatOptions:
    generation: GenerationOptions
    stream: bool = False
    include_usage: bool = False
    memory: int | None = None

    @classmethod
    def parse(cls, body: dict, default_max_tokens: int = 256) -> ChatOptions:
        limit = body.get("max_completion_tokens", body.get("max_tokens"))
        limit = default_max_tokens if limit is None else _int(limit, "max_tokens", 1)
        temperature = _number(body.get("temperature", 0.0), "temperature", 0.0, 2.0)
        top_p = _number(body.get("top_p", 1.0), "top_p", 1e-6, 1.0)
        seed = body.get("seed")
        if seed is not None:
            seed = _int(seed, "seed", 0)
            if seed >= 2**63:
                raise bad_request("seed must be below 2**63", "seed")
        stop = body.get("stop") or ()
        if isinstance(stop, str):
            stop = (stop,)
        if not isinstance(stop, list | tuple) or not all(isinstance(s, str) for s in stop):
            raise bad_request("stop must be a string or a list of strings", "stop")
        memory = body.get("memory")
        if memory is not None:
            try:
                check_memory(memory)
            except VideoScanError as error:
                raise bad_request(str(error), "memory") from None
        stream = body.get("stream", False)
        if not isinstance(stream, bool):
            raise bad_request("stream must be true or false", "stream")
        stream_options = body.get("stream_options") or {}
        if not isinstance(stream_options, dict):
            raise bad_request("stream_options must be an object", "stream_options")
        if body.get("n", 1) != 1:
            raise bad_request("only n=1 is supported", "n")
        generation = GenerationOptions(
            max_new_tokens=min(limit, MAX_NEW_TOKENS),
            temperature=temperature,
            top_p=top_p,
            seed=seed,
            stop_strings=tuple(stop),
        )
        return cls(generation, stream, bool(stream_options.get("include_usage")), memory)


def _int(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise bad_request(f"{name} must be an integer >= {minimum}", name)
    return value


def _number(value, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise bad_request(f"{name} must be a number in [{low}, {high}]", name)
    return float(value)


def new_id() -> str:
    return "chatcmpl-" + uuid.uuid4().hex[:24]


def usage(prompt_tokens: int, completion_tokens: int) -> dict:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


FINISH = {"eos": "stop", "stop_string": "stop", "max_tokens": "length", "cancelled": "stop"}


def completion(
    completion_id: str, model: str, text: str, stop_reason: str, usage_: dict, extra: dict
) -> dict:
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": FINISH.get(stop_reason, "stop"),
                "logprobs": None,
            }
        ],
        "usage": usage_,
        "videoscan": extra,
    }


def chunk(
    completion_id: str,
    model: str,
    delta: dict,
    finish_reason: str | None = None,
    usage_: dict | None = None,
    extra: dict | None = None,
    choices: bool = True,
) -> dict:
    body: dict = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": (
            [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}]
            if choices
            else []
        ),
    }
    if usage_ is not None:
        body["usage"] = usage_
    if extra is not None:
        body["videoscan"] = extra
    return body


def model_card(model_id: str, owned_by: str = "videoscan") -> dict:
    return {"id": model_id, "object": "model", "created": 0, "owned_by": owned_by}
