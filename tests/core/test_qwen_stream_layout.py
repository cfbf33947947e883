"""Qwen2.5-VL's one-video layout under every engine that shares the model.

``sliding`` (the training-free default) equals ``monotonic`` until a frame leaves the memory
(it used to lay continued frames apart after the first cut, every other frame re-anchored as an
image of its own); after evictions the remembered frames stay one video on one grid; and the
video's anchor belongs to each stream, so two engines on one adapter never move each other."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from videoscan_core.adapters.loading import load_model
from videoscan_core.config import EngineConfig
from videoscan_core.stream.engine import StreamingEngine
from videoscan_core.tiny.qwen import make_tiny_qwen

QUESTION = "What is on the screen?"


@pytest.fixture(scope="module")
def qwen25(tmp_path_factory):
    folder = make_tiny_qwen(tmp_path_factory.mktemp("qwen25"), "qwen2.5-vl", seed=1)
    return load_model(folder, device="cpu", dtype="float32")


def frames(count: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (30, 45, 3), dtype=np.uint8) for _ in range(count)]


def carriers(engine) -> list[list[int]]:
    """(t, h, w) of every carrier in the cache, in stream order."""
    book = engine.positions.positions[0]  # [3, L]
    slots = [engine.layout.carrier_slot(entry.frame_index) for entry in engine.bank.entries]
    return [book[:, slot].tolist() for slot in slots]


def test_sliding_equals_monotonic_until_a_frame_is_evicted(qwen25):
    engines = {}
    for mode in ("sliding", "monotonic"):
        config = EngineConfig(memory_size=16, recent_frames=2, position_mode=mode)
        engines[mode] = StreamingEngine(qwen25, config)
        for k, frame in enumerate(frames(6)):
            assert not engines[mode].add_frame(frame, float(k)).evicted
    sliding, monotonic = engines["sliding"], engines["monotonic"]
    assert torch.equal(sliding.positions.positions, monotonic.positions.positions)
    assert len({h for _, h, _ in carriers(sliding)}) == 1  # one grid: one video
    ours = sliding.first_token_logits(QUESTION)
    assert (ours - monotonic.first_token_logits(QUESTION)).abs().max() <= 1e-5


def test_sliding_keeps_one_video_after_evictions_and_stays_bounded(qwen25):
    engine = StreamingEngine(qwen25, EngineConfig(memory_size=3, position_mode="sliding"))
    evicted = 0
    for k, frame in enumerate(frames(40, seed=1)):
        evicted += len(engine.add_frame(frame, float(k)).evicted)
    assert evicted >= 30
    placed = carriers(engine)
    assert len({(h, w) for _, h, w in placed}) == 1  # every frame on the video's one grid
    times = [t for t, _, _ in placed]
    assert times == sorted(times) and len(set(times)) == len(times)
    # evicted frames' time steps are closed: the video spans the 3 frames in memory, not 40 s
    assert times[-1] - times[0] <= 2 * qwen25.tokens_per_second * 2
    assert engine.positions.next_free() < 100


def stream_positions(engine, timestamps, pixels) -> list[list[list[int]]]:
    for t, frame in zip(timestamps, pixels, strict=True):
        engine.add_frame(frame, t)
    return engine.positions.positions[0].T.tolist()


def test_two_interleaved_engines_on_one_model_each_place_frames_as_alone(qwen25):
    config = EngineConfig(memory_size=8, position_mode="monotonic")
    a_times, b_times = [100.0, 101.0, 102.0], [0.0, 1.0, 2.0]
    a_frames, b_frames = frames(3, seed=2), frames(3, seed=3)
    alone_a = stream_positions(StreamingEngine(qwen25, config), a_times, a_frames)
    alone_b = stream_positions(StreamingEngine(qwen25, config), b_times, b_frames)
    a, b = StreamingEngine(qwen25, config), StreamingEngine(qwen25, config)
    for k in range(3):
        a.add_frame(a_frames[k], a_times[k])
        b.add_frame(b_frames[k], b_times[k])
    assert a.positions.positions[0].T.tolist() == alone_a
    assert b.positions.positions[0].T.tolist() == alone_b
