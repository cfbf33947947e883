"""Boundaries where one-line bugs hide: stop strings end an answer (and leave the memory as it
was), and frames captured while a model loads are dropped, not queued (the app stays live)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from videoscan_core.config import EngineConfig, GenerationOptions
from videoscan_core.stream.engine import StreamingEngine


@pytest.fixture
def engine(tiny_vlm, random_frames):
    engine = StreamingEngine(tiny_vlm, EngineConfig(memory_size=4))
    for i, frame in enumerate(random_frames(3)):
        engine.add_frame(frame, float(i))
    return engine


def answer(engine, options):
    return list(engine.ask("What is shown?", options, remember=False))[-1]


def test_a_stop_string_ends_the_answer_before_it(engine):
    free = answer(engine, GenerationOptions(max_new_tokens=12))
    assert free.tokens >= 4 and len(free.answer) >= 4, free  # room for a stop in the middle
    length_before = engine.cache.length
    stop = free.answer[len(free.answer) // 2 :][:2]
    cut = answer(engine, GenerationOptions(max_new_tokens=12, stop_strings=(stop,)))
    assert cut.stop_reason == "stop_string"
    assert stop not in cut.answer and free.answer.startswith(cut.answer)
    assert cut.tokens < free.tokens
    assert engine.cache.length == length_before  # the answer left no trace in the memory
    again = answer(engine, GenerationOptions(max_new_tokens=12))
    assert again.answer == free.answer  # and the next answer is as before


def test_a_stop_string_that_never_comes_changes_nothing(engine):
    free = answer(engine, GenerationOptions(max_new_tokens=6))
    same = answer(engine, GenerationOptions(max_new_tokens=6, stop_strings=("\u2603never",)))
    assert same.answer == free.answer and same.stop_reason == free.stop_reason


class NoiseSource:
    """A live source whose every frame differs (none is folded as unchanged)."""

    live = True

    def __init__(self) -> None:
        self.rng = np.random.default_rng(0)

    def open(self) -> None:
        pass

    def read(self, timestamp: float) -> np.ndarray:
        return self.rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)

    def close(self) -> None:
        pass

    def describe(self) -> str:
        return "noise"


def test_frames_captured_while_the_model_loads_are_dropped_not_queued(make_window, qtbot, tiny_vlm):
    from app.settings import AppSettings

    release = threading.Event()

    def slow_factory(request, status):
        release.wait(60)  # a model that takes long to load
        return StreamingEngine(tiny_vlm, request.config)

    settings = AppSettings(model="tiny", source="screen:1", fps=5.0, memory_size=4)
    window = make_window(
        settings, engine_factory=slow_factory, source_factory=lambda spec: NoiseSource()
    )
    window.start()
    qtbot.waitUntil(lambda: window.capture.captured >= 6, timeout=20000)
    assert window.report.frames_processed == 0  # nothing can be processed yet
    captured_while_loading = window.capture.captured
    release.set()
    qtbot.waitUntil(lambda: window.report.frames_processed >= 2, timeout=60000)
    # at most the latest frame of the load survived; the rest were dropped, not queued
    assert window.slot.dropped >= captured_while_loading - 1
    processed, captured = window.report.frames_processed, window.capture.captured
    assert processed + window.slot.dropped <= captured
