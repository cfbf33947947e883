"""The model worker's commands: small typed objects, one per kind of request.

Contract: the GUI builds these and ``EngineWorker`` runs them in its thread, in order, before the
next frame. Each is frozen (safe to pass between threads). ``Ask`` is keyed by its answer id; a
Stop for that id is remembered by the worker, so a question stopped while it waits is never
answered.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from videoscan_core.config import EngineConfig, GenerationOptions


@dataclass(frozen=True)
class ModelRequest:
    source: str
    config: EngineConfig


@dataclass(frozen=True)
class LoadModel:
    request: ModelRequest


@dataclass(frozen=True)
class Ask:
    answer_id: int
    question: str
    options: GenerationOptions


@dataclass(frozen=True)
class SetMemorySize:
    memory_size: int | None


@dataclass(frozen=True)
class ResetStream:
    config: EngineConfig | None = None  # a new engine config (same model), or keep the current


@dataclass(frozen=True)
class StartSession:
    session: int  # the capture session that begins: the memory is forgotten


@dataclass(frozen=True)
class ClearConversation:
    """New conversation: later questions no longer see the earlier ones."""


@dataclass(frozen=True)
class RunOnEngine:
    """Run ``function(engine)`` in the worker thread (the API for other programs); the result
    or the exception goes to ``future``."""

    function: Callable[[object], object]
    future: Future


Command = (
    LoadModel | Ask | SetMemorySize | ResetStream | StartSession | ClearConversation | RunOnEngine
)


MODEL_FIELDS = ("device", "dtype", "vision_runtime")  # chosen by a model load, not a reset


def held_changes(command: Command) -> dict[str, object]:
    """The engine settings a command sets, kept for the next model while none is loaded
    (``EngineConfig`` field -> value); a cleared conversation needs nothing kept."""
    if isinstance(command, SetMemorySize):
        return {"memory_size": command.memory_size}
    if isinstance(command, ResetStream) and command.config is not None:
        fields = dataclasses.asdict(command.config)
        return {name: value for name, value in fields.items() if name not in MODEL_FIELDS}
    return {}
