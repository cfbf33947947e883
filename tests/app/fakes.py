"""A deliberately slow stand-in engine, to test the app's threading without a model."""

from __future__ import annotations

import contextlib
import threading
import time

from videoscan_core.events import AnswerChunk, CarrierInfo, FrameEvent, MemorySnapshot
from videoscan_core.stream.engine_like import EngineLike
from videoscan_core.stream.session_clock import SessionClock


class SlowModel:
    device = "cpu"
    dtype = "float32"
    tokens_per_frame = 9


class SlowEngine:
    """Takes ``step_s`` of wall time per frame (blocking the worker thread, like a big model)."""

    def __init__(self, config, step_s: float = 0.25) -> None:
        self.config = config
        self.model = SlowModel()
        self.step_s = step_s
        self.frames: list[tuple[int, float]] = []
        self.folded: list[float] = []
        self._abort = threading.Event()
        self.clock = SessionClock()
        self.last_timestamp: float | None = None
        self.position_note: str | None = None

    def _stream_time(self, timestamp: float) -> float:
        """Like the real engine: time never goes backwards within a session."""
        mapped = self.clock.to_stream(timestamp, self.last_timestamp)
        if self.last_timestamp is not None and mapped < self.last_timestamp:
            raise ValueError(f"timestamps must not go backwards ({mapped})")
        self.clock.settle(timestamp, mapped)
        self.last_timestamp = mapped
        return mapped

    def _busy(self, seconds: float) -> None:
        self._abort.wait(seconds)  # stands in for compute; returns early when aborted

    def add_frame(self, frame, timestamp: float) -> FrameEvent:
        started = time.perf_counter()
        timestamp = self._stream_time(timestamp)
        self._busy(self.step_s)
        self.frames.append((len(self.frames), timestamp))
        return FrameEvent(
            len(self.frames) - 1,
            timestamp,
            (),
            len(self.frames),
            0,
            0,
            (time.perf_counter() - started) * 1000,
            0.0,
        )

    def fold_static_frame(self, timestamp: float) -> None:
        self.folded.append(self._stream_time(timestamp))

    def snapshot(self) -> MemorySnapshot:
        carriers = tuple(
            CarrierInfo(i, t, self.folded[-1] if self.folded else t) for i, t in self.frames
        )
        return MemorySnapshot(len(self.frames), self.config.memory_size, carriers)

    def ask(
        self,
        question,
        options=None,
        should_stop=None,
        use_history=True,
        remember=True,
        screen_text=(),
    ):
        started = time.perf_counter()
        words = ["the", "square", "moved", "right"]
        for word in words:
            self._busy(self.step_s / 4)
            yield AnswerChunk(word + " ")
        total = (time.perf_counter() - started) * 1000
        yield AnswerChunk("", True, " ".join(words), len(words), "eos", total / 4, total)

    @contextlib.contextmanager
    def shown_history(self, turns):
        yield

    def clear_conversation(self) -> None:
        pass

    def configure(self, config, given=None) -> None:
        self.config = config
        self.reset()

    def set_memory_size(self, size) -> tuple:
        self.config = self.config.replace(memory_size=size)
        return ()

    def reset(self) -> None:
        self.frames.clear()
        self.folded.clear()
        self.clock = SessionClock()
        self.last_timestamp = None

    def start_session(self) -> None:
        self.reset()

    def start_segment(self) -> None:
        self.clock.new_segment()

    def request_abort(self) -> None:
        self._abort.set()


def _is_engine_like(engine: SlowEngine) -> EngineLike:
    return engine  # mypy (scripts/test.sh) checks that the stand-in keeps up with the engine
