"""A deliberately slow stand-in engine, to test the app's threading without a model."""

from __future__ import annotations

import threading
import time

from videoscan_core.events import AnswerChunk, CarrierInfo, FrameEvent, MemorySnapshot


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

    def _busy(self, seconds: float) -> None:
        self._abort.wait(seconds)  # stands in for compute; returns early when aborted

    def add_frame(self, frame, timestamp: float) -> FrameEvent:
        started = time.perf_counter()
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
        self.folded.append(timestamp)

    def snapshot(self) -> MemorySnapshot:
        carriers = tuple(
            CarrierInfo(i, t, self.folded[-1] if self.folded else t) for i, t in self.frames
        )
        return MemorySnapshot(len(self.frames), self.config.memory_size, carriers)

    def ask(self, question, options, should_stop=None):
        started = time.perf_counter()
        words = ["the", "square", "moved", "right"]
        for word in words:
            self._busy(self.step_s / 4)
            yield AnswerChunk(word + " ")
        total = (time.perf_counter() - started) * 1000
        yield AnswerChunk("", True, " ".join(words), len(words), "eos", total / 4, total)

    def set_memory_size(self, size) -> None:
        self.config = self.config.replace(memory_size=size)

    def reset(self) -> None:
        self.frames.clear()

    def request_abort(self) -> None:
        self._abort.set()
