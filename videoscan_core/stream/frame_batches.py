"""Streaming many frames with batched vision encoding, for offline runs (CLI, evaluation, demo).

Contract: ``stream_frames(engine, samples, batch)`` takes an iterable of ``(timestamp, rgb)``
pairs and returns an iterator of one ``FrameEvent`` per frame, in order. Up to ``batch`` frames
are read ahead and encoded in one vision call; the language model still takes them one at a
time, so the stream equals ``add_frame`` called per frame up to float rounding of the batched
vision tower (exact in float32 on CPU in our tests; bf16/fp16 GPU kernels may round differently).
Timestamps are checked before a batch is encoded; if encoding a batch fails, its frames are
retried one by one, so the good frames before a bad one are streamed as ``add_frame`` would.
Between two events the caller may ask questions: read-ahead frames are encoded, not streamed.
The live app does not use this: there the newest frame wins and nothing waits to be batched.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator

import numpy as np

from ..errors import StepAborted
from ..events import FrameEvent

# Batch 4 on 2 CPU cores, small geometry: vision -20%, a whole frame step -7% (benchmarks/NOTES.md)
DEFAULT_VISION_BATCH = 4


def stream_frames(
    engine, samples: Iterable[tuple[float, np.ndarray]], batch: int = DEFAULT_VISION_BATCH
) -> Iterator[FrameEvent]:
    """Stream ``(timestamp, frame)`` samples through ``engine``, encoding ``batch`` at a time."""
    if batch < 1:
        raise ValueError(f"the vision batch must be at least 1 (got {batch})")
    return _stream(engine, samples, batch)


def _stream(engine, samples, batch: int) -> Iterator[FrameEvent]:
    waiting: list[tuple[float, np.ndarray]] = []
    for sample in samples:
        waiting.append(sample)
        if len(waiting) == batch:
            yield from _stream_batch(engine, waiting)
            waiting = []
    if waiting:
        yield from _stream_batch(engine, waiting)


def _stream_batch(engine, waiting: list[tuple[float, np.ndarray]]) -> Iterator[FrameEvent]:
    engine.check_timestamps([timestamp for timestamp, _ in waiting])
    started = time.perf_counter()
    try:
        visual = engine.encode([frame for _, frame in waiting])  # [B, N, D]
    except StepAborted:
        raise
    except Exception:
        if len(waiting) == 1:
            raise
        for timestamp, frame in waiting:  # find the bad frame; stream the good ones before it
            yield engine.add_frame(frame, timestamp)
        return
    vision_ms = (time.perf_counter() - started) * 1000 / len(waiting)
    for index, (timestamp, frame) in enumerate(waiting):
        yield engine.add_visual_tokens(visual[index], timestamp, vision_ms=vision_ms, frame=frame)
