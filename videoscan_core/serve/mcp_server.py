"""``videoscan mcp``: the live memory as Model Context Protocol tools (official ``mcp`` SDK, stdio).

Contract: ``build_mcp(worker, alerts_file)`` returns an ``MCPServer`` whose tools all go through
the one ``EngineWorker`` (which streams the live source):
- ``ask_screen(question, max_tokens)`` -> ``{"answer", "evidence": [{"time", "frame", "weight"}],
  "evidence_text": [{"text", "first_seen", "last_seen"}], "frames_seen"}``: answered from the
  live memory and the screen text shown with the question (no conversation carried between calls);
- ``recent_memory(minutes)`` -> ``{"now", "carriers": [{"time", "until", "frame"}],
  "screen_text": [{"text", "first_seen", "last_seen"}]}``: what the memory holds from the last
  ``minutes`` of the stream, and the lines of text on screen then (times in seconds since it
  started; no captions: a carrier is one token, a caption per carrier would cost an answer each);
- ``search_screen_text(query, limit)`` -> ``{"hits": [{"text", "first_seen", "last_seen", ...}]}``:
  the screen's text searched (empty or huge queries refused as everywhere);
- ``add_alert(condition, threshold)`` / ``remove_alert(id)`` / ``list_alerts()``: "tell me when"
  conditions scored after every live frame (re-armed once the score falls 0.2 below
  ``threshold``); ``list_alerts`` returns the conditions, the alerts raised so far
  (``{"condition", "time", "score"}``) and a ``warning`` when scoring is slower than the frames.
  Conditions persist in ``alerts_file``; an alert that cannot be saved there is not kept.
A refused call (a bad argument, a cap of ``limits``, a failed answer) is a ``ToolError`` whose
message says why. Nothing is printed on stdout except the protocol (logs go to stderr).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from ..config import GenerationOptions
from ..errors import VideoScanError
from ..limits import MAX_NEW_TOKENS, check_text
from ..screen_text.report import seen_rows
from ..screen_text.retrieve import MAX_HITS, search, seen_between
from ..stream.alerts import Condition, load_conditions, save_conditions
from .protocol import APIError, ChatOptions
from .worker import ChatJob, EngineWorker

INSTRUCTIONS = (
    "VideoScan watches a screen, webcam or video on this computer and remembers it compactly. "
    "Use ask_screen for questions about what is or was visible, search_screen_text to find words "
    "the screen showed, recent_memory for the remembered times and text, and "
    "add_alert/list_alerts for 'tell me when' conditions."
)


def build_mcp(worker: EngineWorker, alerts_file: str | Path | None = None):
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    server = MCPServer("videoscan", instructions=INSTRUCTIONS)
    if alerts_file is not None:
        for condition in load_conditions(alerts_file):
            worker.watcher.add(condition)

    def persist() -> None:
        if alerts_file is not None:
            try:
                save_conditions(alerts_file, worker.watcher.conditions())
            except OSError as error:
                raise ToolError(f"the alerts cannot be saved to {alerts_file}: {error}") from None

    @server.tool()
    async def ask_screen(question: str, max_tokens: int = 128) -> dict:
        """Ask about what the live source shows now or showed earlier."""
        if not question.strip():
            raise ToolError("ask a question")
        if not 1 <= max_tokens <= MAX_NEW_TOKENS:
            raise ToolError(f"max_tokens must be from 1 to {MAX_NEW_TOKENS}")
        try:
            check_text(question)
        except VideoScanError as error:
            raise ToolError(str(error)) from None
        loop = asyncio.get_running_loop()
        done: asyncio.Future = loop.create_future()

        def emit(kind: str, value: object) -> None:
            if kind in ("done", "error"):
                loop.call_soon_threadsafe(_settle, done, kind, value)

        options = ChatOptions(GenerationOptions(max_new_tokens=max_tokens))
        job = ChatJob("videoscan-live", question.strip(), options, emit)
        worker.submit(job)
        try:
            result = await done
        except asyncio.CancelledError:
            job.cancel.set()
            raise
        extra = result["videoscan"]
        return {
            "answer": result["text"],
            "evidence": extra["evidence"],
            "evidence_text": extra["evidence_text"],
            "frames_seen": extra["frames_seen"],
        }

    @server.tool()
    async def recent_memory(minutes: float = 5.0) -> dict:
        """Times (seconds since the stream started) of the frames the memory holds from the last
        ``minutes`` minutes."""

        def read(engine) -> dict:
            now = float(engine.last_timestamp or 0.0)
            since = now - max(0.0, minutes) * 60
            carriers = [
                {"time": c.timestamp, "until": c.until, "frame": c.frame_index}
                for c in engine.snapshot().carriers
                if c.until >= since
            ]
            return {"now": now, "frames_seen": engine.frames_seen, "carriers": carriers,
                    "screen_text": _text_since(since)}  # fmt: skip

        return await asyncio.wrap_future(worker.run_on_engine(read))

    def _text_since(since: float) -> list[dict]:
        text = worker.screen_text
        if text is None:
            return []
        return seen_rows(seen_between(text.memory, since, None))

    @server.tool()
    async def search_screen_text(query: str, limit: int = 20) -> dict:
        """Where words were on the screen: each line that contains them, with the times it was
        first and last seen (seconds since the stream started), best match first."""
        text = worker.screen_text
        if text is None:
            raise ToolError("screen text is off (a webcam source, or --no-screen-text)")
        if not 1 <= limit <= MAX_HITS:
            raise ToolError(f"limit must be from 1 to {MAX_HITS}")
        try:
            hits = await asyncio.to_thread(search, text.memory, query, None, limit)
        except VideoScanError as error:
            raise ToolError(str(error)) from None
        return {"hits": [hit.as_dict() for hit in hits]}

    @server.tool()
    def add_alert(condition: str, threshold: float = 0.6) -> dict:
        """Watch for a condition ("a red shape appears"); it is checked after every frame and
        raises one alert per event (see list_alerts)."""
        try:
            off = max(0.0, min(0.4, threshold - 0.2))  # hysteresis: one alert per event
            added = worker.watcher.add(
                Condition(condition.strip(), on_threshold=threshold, off_threshold=off)
            )
        except ValueError as error:
            raise ToolError(str(error)) from None
        try:
            persist()
        except ToolError:
            worker.watcher.remove(added.id)  # not kept when it cannot be kept
            raise
        return {"id": added.id, "condition": added.text, "threshold": added.on_threshold}

    @server.tool()
    def remove_alert(id: str) -> dict:
        """Stop watching the condition with this id."""
        removed = worker.watcher.remove(id)
        persist()
        return {"removed": removed}

    @server.tool()
    def list_alerts() -> dict:
        """The conditions being watched and the alerts raised so far (newest last)."""
        return {
            "conditions": [
                {"id": c.id, "condition": c.text, "enabled": c.enabled}
                for c in worker.watcher.conditions()
            ],
            "alerts": [alert.to_json() | {"id": alert.condition_id} for alert in worker.alerts],
            "warning": worker.alerts_warning,
        }

    return server


def _settle(future: asyncio.Future, kind: str, value: object) -> None:
    from mcp.server.mcpserver.exceptions import ToolError

    if future.done():
        return
    if kind == "done":
        future.set_result(value)
    else:  # the worker's refusal, in its words
        message = value.message if isinstance(value, APIError) else str(value)
        future.set_exception(ToolError(message))
