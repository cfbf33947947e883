"""The ASGI application (Starlette): ``/v1/models``, ``/v1/chat/completions``, ``/health``,
``/v1/videoscan/search`` (the live source's screen text: ``{"hits": [{text, first_seen,
last_seen, session, source}]}``, the same query limits as everywhere).

Contract: ``create_app(worker, pool, api_key, max_body_bytes, allow_files, loopback)`` returns a
Starlette app; every model call goes to the single ``EngineWorker``. Every request passes the
``gate.Gate`` first (loopback ``Host``, no browser ``Origin``, the key on every path when there is
one, JSON bodies only). Bodies over ``max_body_bytes`` get 413, malformed JSON 400, unknown models
404, an unforeseen failure 500 (logged, never its text), all with OpenAI's error body. ``stream:
true`` answers as server-sent events of ``chat.completion.chunk`` objects ending with ``data:
[DONE]``; the last chunk with a ``finish_reason`` carries ``usage`` (or, with
``stream_options.include_usage``, a separate chunk with empty ``choices`` does, as OpenAI sends it)
and the ``videoscan`` extra field (evidence times, the screen text shown, memory). A client that
disconnects cancels its answer (a waiting job never starts; a running one stops within a token or a
frame).
"""

from __future__ import annotations

import asyncio
import json

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ..errors import VideoScanError
from .gate import Gate
from .media import parse_messages
from .models import LIVE_MODEL_ID, ModelPool
from .protocol import APIError, ChatOptions, chunk, completion, model_card, new_id, usage
from .worker import ChatJob, EngineWorker

DEFAULT_MAX_BODY = 64 * 1024 * 1024
POLL_S = 0.2


def create_app(
    worker: EngineWorker,
    pool: ModelPool,
    api_key: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY,
    allow_files: bool = True,
    loopback: bool = True,
) -> Starlette:
    async def models(request: Request) -> Response:
        ids = await run_in_threadpool(pool.served_ids)
        return JSONResponse({"object": "list", "data": [model_card(i) for i in ids]})

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "pending": worker.pending(), **worker.live_status()})

    async def chat(request: Request) -> Response:
        body = await _read_json(request, max_body_bytes)
        options = ChatOptions.parse(body)
        hints = body.get("mm_processor_kwargs") or {}
        if not isinstance(hints, dict):
            raise APIError(400, "mm_processor_kwargs must be an object", param="messages")
        hints = dict(hints)
        hints.update({key: body[key] for key in ("fps", "num_frames") if key in body})
        parsed = await run_in_threadpool(parse_messages, body.get("messages"), hints, allow_files)
        model_id = pool.check(body.get("model"), parsed.video is not None)
        loop = asyncio.get_running_loop()
        events: asyncio.Queue = asyncio.Queue()

        def emit(kind: str, value: object) -> None:
            try:
                loop.call_soon_threadsafe(events.put_nowait, (kind, value))
            except RuntimeError:  # the event loop has closed (server shutting down)
                pass

        job = ChatJob(
            model_id=model_id,
            question=parsed.question,
            options=options,
            emit=emit,
            video=parsed.video,
            history=parsed.history,
            system=parsed.system,
        )
        worker.submit(job)
        first = await _next_event(events, request, job)
        if first is None:
            return Response(status_code=499)
        if first[0] == "error":
            raise first[1]
        completion_id = new_id()
        if options.stream:
            stream = _sse(first, events, job, completion_id, model_id, options)
            return StreamingResponse(stream, media_type="text/event-stream")
        pieces, event = [], first
        while event[0] == "delta":
            pieces.append(event[1])
            event = await _next_event(events, request, job)
            if event is None:
                return Response(status_code=499)
        if event[0] == "error":
            raise event[1]
        result = event[1]
        return JSONResponse(
            completion(
                completion_id,
                model_id,
                result["text"] if result["text"] else "".join(pieces).strip(),
                result["stop_reason"],
                usage(result["prompt_tokens"], result["completion_tokens"]),
                result["videoscan"],
            )
        )

    async def search_text(request: Request) -> Response:
        """``GET /v1/videoscan/search?q=...&limit=N``: where words were on the live screen."""
        from ..screen_text.retrieve import MAX_HITS, check_query, search

        text = worker.screen_text
        if text is None or getattr(text, "memory", None) is None:
            raise APIError(
                404,
                "no screen text here: it is read from a live screen, window, region or video "
                "source (--source), unless --no-screen-text",
            )
        try:
            query = check_query(request.query_params.get("q", ""))
            limit = int(request.query_params.get("limit", "20"))
        except VideoScanError as error:
            raise APIError(400, str(error), param="q") from None
        except ValueError:
            raise APIError(400, "limit must be a whole number", param="limit") from None
        if not 1 <= limit <= MAX_HITS:
            raise APIError(400, f"limit must be from 1 to {MAX_HITS}", param="limit")
        hits = await run_in_threadpool(search, text.memory, query, None, limit)
        return JSONResponse({"hits": [hit.as_dict() for hit in hits]})

    async def api_error(request: Request, error: APIError) -> Response:
        return JSONResponse(error.body(), status_code=error.status)

    async def unexpected(request: Request, error: Exception) -> Response:
        """A failure nobody foresaw: OpenAI's error body (the details go to the server's log)."""
        message = "The server failed on this request (its log says why); it keeps running"
        return JSONResponse(APIError(500, message, "server_error").body(), status_code=500)

    async def http_error(request: Request, error: HTTPException) -> Response:
        code = "not_found" if error.status_code == 404 else None
        body = APIError(error.status_code, str(error.detail), code=code).body()
        return JSONResponse(body, status_code=error.status_code)

    routes = [
        Route("/v1/models", models, methods=["GET"]),
        Route("/v1/chat/completions", chat, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
        Route("/v1/videoscan/search", search_text, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            APIError: api_error,  # type: ignore[dict-item]
            HTTPException: http_error,  # type: ignore[dict-item]
            Exception: unexpected,
        },
        middleware=[Middleware(Gate, api_key=api_key, loopback=loopback)],
    )
    app.state.worker, app.state.pool = worker, pool
    return app


async def _read_json(request: Request, limit: int) -> dict:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    data = bytearray()
    async for piece in request.stream():
        data += piece
        if len(data) > limit:
            raise _too_large(limit)
    try:
        body = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise APIError(400, "the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise APIError(400, "the request body must be a JSON object")
    return body


def _too_large(limit: int) -> APIError:
    return APIError(413, f"the request body is larger than {limit} bytes", code="body_too_large")


async def _next_event(events: asyncio.Queue, request: Request, job: ChatJob):
    """The job's next event, or None (and the job cancelled) when the client has gone."""
    while True:
        try:
            return await asyncio.wait_for(events.get(), POLL_S)
        except TimeoutError:
            if await request.is_disconnected():
                job.cancel.set()
                return None


async def _sse(first, events: asyncio.Queue, job: ChatJob, completion_id, model_id, options):
    def line(payload: dict) -> str:
        return f"data: {json.dumps(payload)}\n\n"

    try:
        yield line(chunk(completion_id, model_id, {"role": "assistant", "content": ""}))
        event = first
        while True:
            kind, value = event
            if kind == "delta":
                yield line(chunk(completion_id, model_id, {"content": value}))
            elif kind == "error":
                yield line(value.body())
                break
            else:
                counts = usage(value["prompt_tokens"], value["completion_tokens"])
                finish = {"eos": "stop", "max_tokens": "length"}.get(value["stop_reason"], "stop")
                yield line(
                    chunk(
                        completion_id,
                        model_id,
                        {},
                        finish,
                        usage_=None if options.include_usage else counts,
                        extra=value["videoscan"],
                    )
                )
                if options.include_usage:
                    yield line(chunk(completion_id, model_id, {}, usage_=counts, choices=False))
                break
            event = await events.get()
        yield "data: [DONE]\n\n"
    finally:
        job.cancel.set()  # a client that went away stops the answer; after the end it is a no-op


__all__ = ["create_app", "LIVE_MODEL_ID"]
