"""Batched vision encoding streams exactly what frame-by-frame streaming does."""

from __future__ import annotations

import pytest
import torch

from videoscan_core.config import EngineConfig, GenerationOptions
from videoscan_core.engine import StreamingEngine
from videoscan_core.frame_batches import stream_frames


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
        list(stream_frames(StreamingEngine(tiny_vlm), [], batch=0))
