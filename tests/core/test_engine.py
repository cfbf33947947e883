"""Engine behaviour: questions leave the stream untouched, answers repeat, bad input is refused."""

from __future__ import annotations

import pytest
import torch

from videoscan_core.config import EngineConfig, GenerationOptions
from videoscan_core.stream.engine import StreamingEngine


def cache_state(engine):
    return [(k.clone(), v.clone()) for k, v in (engine.cache.layer_kv(i) for i in range(2))]


def assert_same_cache(a, b):
    assert len(a) == len(b)
    for (ka, va), (kb, vb) in zip(a, b, strict=True):
        assert torch.equal(ka, kb) and torch.equal(va, vb)


@pytest.mark.parametrize("position_mode", ["compact", "monotonic"])
def test_asking_twice_gives_the_same_answer(tiny_vlm, random_frames, position_mode):
    engine = StreamingEngine(tiny_vlm, EngineConfig(memory_size=3, position_mode=position_mode))
    for t, frame in enumerate(random_frames(5)):
        engine.add_frame(frame, float(t))
    options = GenerationOptions(max_new_tokens=12)
    first = engine.answer("What is on the screen?", options)
    second = engine.answer("What is on the screen?", options)
    assert first == second and len(first) > 0


@pytest.mark.parametrize(
    "config",
    [
        EngineConfig(memory_size=3),
        EngineConfig(memory_size=3, position_mode="monotonic", keep_topk=2, recent_frames=1),
    ],
    ids=["videoscan", "monotonic+topk+recent"],
)
def test_streaming_after_questions_matches_a_stream_without_them(tiny_vlm, random_frames, config):
    frames = random_frames(7)
    quiet = StreamingEngine(tiny_vlm, config)
    chatty = StreamingEngine(tiny_vlm, config)
    for t, frame in enumerate(frames):
        quiet.add_frame(frame, float(t))
        chatty.add_frame(frame, float(t))  # also closes the answer left open at t=2
        assert chatty.cache.length == quiet.cache.length
        if t in (1, 4):
            chatty.answer("What happened?", GenerationOptions(max_new_tokens=6))
        if t == 2:  # an answer abandoned half way must roll back too
            pieces = chatty.ask("And now?", GenerationOptions(max_new_tokens=20))
            next(pieces)
    assert_same_cache(cache_state(quiet), cache_state(chatty))
    assert quiet.positions_used == chatty.positions_used
    assert torch.equal(quiet.first_token_logits("Why?"), chatty.first_token_logits("Why?"))


def test_question_before_any_frame_is_answered(tiny_vlm):
    engine = StreamingEngine(tiny_vlm)
    chunks = list(engine.ask("Hello?", GenerationOptions(max_new_tokens=4)))
    assert chunks[-1].finished and chunks[-1].tokens <= 4
    assert engine.cache.length == engine.layout.system


def test_answer_stream_reports_stats_and_honours_cancel(tiny_vlm, random_frames):
    engine = StreamingEngine(tiny_vlm)
    engine.add_frame(random_frames(1)[0], 0.0)
    chunks = list(engine.ask("Describe.", GenerationOptions(max_new_tokens=8)))
    last = chunks[-1]
    assert last.finished and last.stop_reason in ("eos", "max_tokens")
    assert last.total_ms >= last.ttft_ms > 0
    assert "".join(c.text for c in chunks[:-1]).strip() == last.answer
    calls = []
    cancelled = list(
        engine.ask(
            "Describe.",
            GenerationOptions(max_new_tokens=50),
            should_stop=lambda: calls.append(1) or len(calls) >= 2,
        )
    )
    assert cancelled[-1].stop_reason in ("cancelled", "eos")


def test_sampling_is_reproducible_with_a_seed(tiny_vlm, random_frames):
    engine = StreamingEngine(tiny_vlm)
    engine.add_frame(random_frames(1)[0], 0.0)
    options = GenerationOptions(max_new_tokens=10, temperature=1.0, top_p=0.9, seed=7)
    assert engine.answer("Q?", options) == engine.answer("Q?", options)


def test_time_instruction_carries_real_timestamps(tiny_vlm, random_frames):
    engine = StreamingEngine(tiny_vlm, EngineConfig(memory_size=2))
    for t, frame in zip([0.0, 1.5, 301.25], random_frames(3), strict=True):
        engine.add_frame(frame, t)
    prompt = engine.question_prompt("Q?")
    kept = [c.timestamp for c in engine.snapshot().carriers]
    assert "The video lasts for 301.25 seconds, and 2 frames" in prompt
    assert ",".join(f"{t:.2f}s" for t in kept) + ".Please answer" in prompt
    assert prompt.endswith("Q?<|im_end|>\n<|im_start|>assistant\n")


def test_single_frame_stream_works(tiny_vlm, random_frames):
    engine = StreamingEngine(tiny_vlm, EngineConfig(memory_size=1))
    engine.add_frame(random_frames(1)[0], 0.0)
    assert engine.snapshot().carriers_retained == 1
    assert isinstance(engine.answer("Q?", GenerationOptions(max_new_tokens=3)), str)


def test_memory_size_can_shrink_while_streaming(tiny_vlm, random_frames):
    engine = StreamingEngine(tiny_vlm, EngineConfig(memory_size=6))
    for t, frame in enumerate(random_frames(6)):
        engine.add_frame(frame, float(t))
    evicted = engine.set_memory_size(2)
    assert len(evicted) == 4
    assert engine.cache.length == engine.layout.system + 2
    engine.add_frame(random_frames(1, seed=9)[0], 6.0)
    assert engine.snapshot().carriers_retained == 2


def test_static_frames_extend_the_newest_carrier(tiny_vlm, random_frames):
    engine = StreamingEngine(tiny_vlm)
    engine.add_frame(random_frames(1)[0], 0.0)
    length = engine.cache.length
    engine.fold_static_frame(1.0)
    engine.fold_static_frame(2.0)
    carrier = engine.snapshot().carriers[-1]
    assert (carrier.timestamp, carrier.until) == (0.0, 2.0)
    assert engine.cache.length == length and engine.frames_folded == 2
    assert "The video lasts for 2.00 seconds" in engine.question_prompt("Q?")


def test_bad_timestamps_are_refused(tiny_vlm, random_frames):
    engine = StreamingEngine(tiny_vlm)
    engine.add_frame(random_frames(1)[0], 5.0)
    with pytest.raises(ValueError, match="backwards"):
        engine.add_frame(random_frames(1)[0], 4.0)
    with pytest.raises(ValueError):
        engine.add_frame(random_frames(1)[0], float("nan"))


def test_memory_is_bounded_by_m_not_stream_length(tiny_vlm):
    n, dim = tiny_vlm.tokens_per_frame, tiny_vlm.hidden_size
    engine = StreamingEngine(tiny_vlm, EngineConfig(memory_size=4))
    sizes = []
    for t in range(200):
        event = engine.add_visual_tokens(torch.randn(n, dim), float(t))
        sizes.append((event.kv_cache_bytes, engine.cache.allocated_bytes()))
    per_entry = tiny_vlm.kv_bytes_per_entry()
    assert sizes[-1][0] == (engine.layout.system + 4) * per_entry
    assert sizes[10] == sizes[-1]  # neither used nor allocated bytes grow after the bank fills


def test_config_validation_messages():
    with pytest.raises(ValueError, match="memory size"):
        EngineConfig(memory_size=0)
    with pytest.raises(ValueError, match="position mode"):
        EngineConfig(position_mode="sideways")
    with pytest.raises(ValueError, match="keep_topk needs carriers"):
        EngineConfig(carrier=False, keep_topk=2)
    assert EngineConfig.from_name("full-tokens").carrier is False


def test_abort_stops_a_step_and_leaves_the_stream_intact(tiny_vlm, random_frames):
    from videoscan_core.errors import StepAborted

    frames = random_frames(3)
    reference, engine = StreamingEngine(tiny_vlm), StreamingEngine(tiny_vlm)
    for t, frame in enumerate(frames[:2]):
        reference.add_frame(frame, float(t))
        engine.add_frame(frame, float(t))
    engine.request_abort()
    try:
        with pytest.raises(StepAborted):
            engine.add_frame(frames[2], 2.0)
        with pytest.raises(StepAborted):
            engine.answer("Q?")
    finally:
        engine.clear_abort()
    assert engine.cache.length == reference.cache.length and engine.frames_seen == 2
    reference.add_frame(frames[2], 2.0)
    engine.add_frame(frames[2], 2.0)
    assert torch.equal(engine.first_token_logits("Q?"), reference.first_token_logits("Q?"))
