"""Sessions: a source whose clock restarts continues the stream's timeline; a new session resets."""

from __future__ import annotations

import pytest

from videoscan_core.config import EngineConfig
from videoscan_core.stream.engine import StreamingEngine
from videoscan_core.stream.frame_batches import stream_frames
from videoscan_core.stream.session_clock import SessionClock


def test_clock_maps_a_restarted_segment_after_the_last_time():
    clock = SessionClock()
    assert clock.to_stream(3.0, None) == 3.0
    clock.new_segment()
    assert clock.to_stream(1.0, 59.0) == 59.0  # pure: asking again gives the same
    assert clock.to_stream(1.0, 59.0) == 59.0
    clock.settle(1.0, 59.0)
    assert clock.to_stream(2.5, 59.0) == 60.5
    clock.new_segment()
    assert clock.to_stream(70.0, 60.5) == 70.0  # a live clock that did not restart keeps its time
    assert clock.to_stream_all([1.0, 2.0], 60.5) == [60.5, 61.5]


def test_a_switched_source_continues_the_same_memory(tiny_vlm, random_frames):
    engine = StreamingEngine(tiny_vlm, EngineConfig(memory_size=8))
    frames = random_frames(6)
    for t in range(3):
        engine.add_frame(frames[t], 57.0 + t)  # the first source ends at 59 s
    engine.start_segment()  # a new source: its clock starts at 0 again
    event = engine.add_frame(frames[3], 0.0)
    engine.fold_static_frame(1.0)
    later = engine.add_frame(frames[4], 2.0)
    assert (event.timestamp, later.timestamp) == (59.0, 61.0)
    assert engine.bank.timestamps() == [57.0, 58.0, 59.0, 59.0, 61.0]
    with pytest.raises(ValueError, match="backwards"):  # inside a segment time still runs forward
        engine.add_frame(frames[5], 1.5)


def test_a_new_session_forgets_the_memory_and_restarts_the_clock(tiny_vlm, random_frames):
    engine = StreamingEngine(tiny_vlm, EngineConfig(memory_size=8))
    frames = random_frames(3)
    engine.add_frame(frames[0], 40.0)
    engine.start_session()
    assert len(engine.bank) == 0
    assert engine.add_frame(frames[1], 0.0).timestamp == 0.0


def test_batched_streaming_after_a_switch(tiny_vlm, random_frames):
    engine = StreamingEngine(tiny_vlm, EngineConfig(memory_size=8))
    frames = random_frames(5)
    list(stream_frames(engine, [(10.0, frames[0]), (11.0, frames[1])], batch=2))
    engine.start_segment()
    events = list(stream_frames(engine, [(0.0, f) for f in frames[2:3]] + [(1.0, frames[3])], 2))
    assert [e.timestamp for e in events] == [11.0, 12.0]
