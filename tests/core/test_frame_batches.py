"""Batched vision encoding streams exactly what frame-by-frame streaming does."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from videoscan_core.config import EngineConfig, GenerationOptions
from videoscan_core.stream.engine import StreamingEngine
from videoscan_core.stream.frame_batches import stream_frames


@pytest.mark.parametrize("batch", [1, 3, 8])
def test_batched_stream_equals_frame_by_frame(tiny_vlm, random_frames, batch):
    frames = random_frames(7)
    config = EngineConfig(memory_size=3)
    single = StreamingEngine(tiny_vlm, config)
    singles = [single.add_frame(frame, float(t)) for t, frame in enumerate(frames)]
    batched = StreamingEngine(tiny_vlm, config)
    events = list(stream_frames(batched, ((float(t), f) for t, f in enumerate(frames)), batch))
    assert [e.frame_index for e in events] == list(range(7))
    assert [e.evicted for e in events] == [e.evicted for e in singles]
    assert [e.carriers_retained for e in events] == [e.carriers_retained for e in singles]
    torch.testing.assert_close(
        batched.first_token_logits("What changed?"),
        single.first_token_logits("What changed?"),
        atol=1e-4,
        rtol=0,
    )


def test_questions_between_batched_events_see_only_streamed_frames(tiny_vlm, random_frames):
    frames = random_frames(6)
    reference = StreamingEngine(tiny_vlm, EngineConfig(memory_size=4))
    for t, frame in enumerate(frames[:2]):
        reference.add_frame(frame, float(t))
    expected = reference.first_token_logits("What is there?")
    engine = StreamingEngine(tiny_vlm, EngineConfig(memory_size=4))
    samples = ((float(t), f) for t, f in enumerate(frames))
    for event in stream_frames(engine, samples, batch=4):
        if event.frame_index == 1:  # frames 2 and 3 are encoded but not streamed yet
            torch.testing.assert_close(
                engine.first_token_logits("What is there?"), expected, atol=1e-4, rtol=0
            )
            engine.answer("What is there?", GenerationOptions(max_new_tokens=3))
    assert engine.frames_seen == 6


def test_vision_batch_must_be_positive(tiny_vlm):
    with pytest.raises(ValueError, match="at least 1"):
        stream_frames(StreamingEngine(tiny_vlm), [], batch=0)  # at the call, not on iteration


class CountingEncoder:
    """Wraps an engine's ``encode`` to count vision calls; fails on a frame marked bad."""

    def __init__(self, engine):
        self.calls, self._encode = [], engine.encode
        engine.encode = self

    def __call__(self, frames):
        self.calls.append(len(frames))
        if any(frame.shape[-1] != 3 for frame in frames):
            raise ValueError("a frame must be RGB")
        return self._encode(frames)


def test_bad_timestamps_are_refused_before_the_batch_is_encoded(tiny_vlm, random_frames):
    engine = StreamingEngine(tiny_vlm)
    encoder = CountingEncoder(engine)
    samples = [(0.0, f) for f in random_frames(2)] + [(1.0, random_frames(1)[0]), (0.5, None)]
    with pytest.raises(ValueError, match="must not go backwards"):
        next(stream_frames(engine, samples, batch=4))
    assert encoder.calls == [] and engine.frames_seen == 0


def test_a_bad_frame_in_a_batch_streams_the_good_ones_before_it(tiny_vlm, random_frames):
    engine = StreamingEngine(tiny_vlm)
    encoder = CountingEncoder(engine)
    good = random_frames(3)
    samples = [(0.0, good[0]), (1.0, good[1]), (2.0, np.zeros((8, 8, 4), np.uint8)), (3.0, good[2])]
    events = []
    with pytest.raises(ValueError, match="must be RGB"):
        for event in stream_frames(engine, samples, batch=4):
            events.append(event)
    assert [e.frame_index for e in events] == [0, 1] and engine.frames_seen == 2
    assert encoder.calls == [4, 1, 1, 1]  # the batch, then frame by frame up to the bad one
