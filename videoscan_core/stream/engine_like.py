"""What the engine's owners (the app's worker thread, the server's worker) may call on it.

Contract: ``EngineLike`` is the typed seam between an engine thread and ``StreamingEngine``: the
real engine satisfies it and so must every stand-in in the tests (``tests/app/fakes.py`` is
checked by mypy, ``scripts/test.sh``), so production code never needs ``getattr``/``hasattr``
for a double. ``ModelLike`` is the part of a model the owners read (shown in the window and the
API). Nothing here runs; torch is not imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from ..config import EngineConfig, GenerationOptions
from ..events import AnswerChunk, CarrierInfo, FrameEvent, MemorySnapshot, SeenText


class ModelLike(Protocol):
    @property
    def device(self) -> Any: ...  # torch.device, or a name

    @property
    def dtype(self) -> Any: ...  # torch.dtype, or a name

    @property
    def tokens_per_frame(self) -> int: ...


class EngineLike(Protocol):
    config: EngineConfig
    position_note: str | None  # None, or one line: what changed so positions fit the model
    last_timestamp: float | None

    @property
    def model(self) -> ModelLike: ...

    def add_frame(self, frame: Any, timestamp: float) -> FrameEvent: ...  # frame: RGB [H, W, 3]

    def fold_static_frame(self, timestamp: float) -> None: ...

    def snapshot(self) -> MemorySnapshot: ...

    def ask(
        self,
        question: str,
        options: GenerationOptions | None = None,
        should_stop: Callable[[], bool] | None = None,
        use_history: bool = True,
        remember: bool = True,
        screen_text: Sequence[SeenText] = (),
    ) -> Iterator[AnswerChunk]: ...

    def clear_conversation(self) -> None: ...

    def shown_history(self, turns: Sequence[tuple[str, str]]) -> AbstractContextManager[None]: ...

    def configure(self, config: EngineConfig, given: frozenset[str] | None = None) -> None: ...

    def set_memory_size(self, memory_size: int | None) -> tuple[CarrierInfo, ...]: ...

    def reset(self) -> None: ...

    def start_session(self) -> None: ...

    def start_segment(self) -> None: ...

    def request_abort(self) -> None: ...
