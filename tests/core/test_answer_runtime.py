"""Answer runtimes: the choice per CPU, the fallback in one line, and answers that match PyTorch
float32 (exactly for a float32 session on its own cache and for OpenVINO float32; closely for
bfloat16 and int8) while the stream itself is never touched."""

from __future__ import annotations

import importlib.util
import logging

import pytest
import torch

from videoscan_core.config import EngineConfig, GenerationOptions
from videoscan_core.stream import answer_runtime
from videoscan_core.stream.answer_runtime import choose_answer_runtime
from videoscan_core.stream.engine import StreamingEngine

BF16 = frozenset({"avx2", "avx512f", "avx512_bf16", "avx512_vnni"})
AVX2 = frozenset({"avx2", "fma"})
QUESTION = "What is on the screen?"
OPENVINO = importlib.util.find_spec("openvino") is not None


def test_bfloat16_is_never_chosen_on_a_cpu_without_it():
    for requested in ("auto", "bf16", "openvino-bf16"):
        choice = choose_answer_runtime(requested, AVX2, "AVX2", openvino=True)
        assert "bf16" not in choice.name
    assert choose_answer_runtime("bf16", BF16, "AVX512", openvino=True).name == "torch-bf16"
    emulated = choose_answer_runtime("bf16", BF16, "AVX2", openvino=True)  # kernels not built
    assert emulated.name == "torch-f32" and "AVX2" in emulated.reason


def test_auto_follows_the_measured_order_and_keeps_small_models_on_pytorch():
    assert choose_answer_runtime("auto", BF16, "AVX512", openvino=True).name == "openvino-f32"
    missing = choose_answer_runtime("auto", BF16, "AVX512", openvino=False)
    assert missing.name == "torch-f32"
    small = choose_answer_runtime("auto", BF16, "AVX512", openvino=True, lm_params=2_000_000)
    assert small.name == "torch-f32" and "small" in small.reason
    gpu = choose_answer_runtime("auto", BF16, "AVX512", openvino=True, device="cuda")
    assert gpu.name == "torch-f32"
    with pytest.raises(ValueError, match="answer runtime"):
        choose_answer_runtime("tensorrt", BF16, "AVX512", openvino=True)
    with pytest.raises(ValueError, match="answer runtime"):
        EngineConfig(answer_runtime="fast")


def test_a_runtime_that_fails_answers_with_pytorch_in_one_line(tiny_vlm, monkeypatch, caplog):
    def broken(adapter):
        raise RuntimeError("compiler exploded\nsecond line")

    monkeypatch.setattr(answer_runtime, "_language_model_copy", broken)
    with caplog.at_level(logging.WARNING, logger="videoscan"):
        runtime = answer_runtime.attach(tiny_vlm, "int8", flags=BF16)
    answer_runtime.detach(tiny_vlm)
    lines = [r.getMessage() for r in caplog.records if "answer runtime" in r.getMessage()]
    assert len(lines) == 1 and "compiler exploded" in lines[0] and "second line" not in lines[0]
    assert "PyTorch float32" in lines[0] and runtime.name == "torch-f32"


def _stream(vlm, frames, config=None):
    engine = StreamingEngine(vlm, config or EngineConfig(memory_size=3, keep_topk=2))
    for t, frame in enumerate(frames):
        engine.add_frame(frame, float(t))
    return engine


def _answers(engine, questions):
    options = GenerationOptions(max_new_tokens=6)
    return [list(engine.ask(q, options, use_history=False, remember=False))[-1] for q in questions]


QUESTIONS = [QUESTION, "What changed since the first frame?", "Which colour was there?"]


def test_a_session_on_its_own_float32_cache_answers_exactly_like_the_engine(
    tiny_vlm, random_frames
):
    """The path bfloat16 and OpenVINO take (their own copy of the cache, positions counted from
    it) in float32: every token and the evidence equal the engine's own answer."""
    engine = _stream(tiny_vlm, random_frames(6))
    reference = _answers(engine, QUESTIONS)
    length = engine.cache.length
    runtime = answer_runtime.TorchRuntime(tiny_vlm, "torch")
    runtime.own_cache, runtime.name = True, "test-own-cache-f32"
    tiny_vlm.answer_runtime = runtime
    try:
        got = _answers(engine, QUESTIONS)
    finally:
        answer_runtime.detach(tiny_vlm)
    assert [a.answer for a in got] == [a.answer for a in reference]
    assert [a.tokens for a in got] == [a.tokens for a in reference]
    assert [a.evidence for a in got] == [a.evidence for a in reference]
    assert engine.cache.length == length


@pytest.mark.parametrize("kind", ["bf16", "int8"])
def test_reduced_precision_answers_stay_close_and_leave_the_stream_alone(
    tiny_vlm, random_frames, kind
):
    engine = _stream(tiny_vlm, random_frames(5))
    reference = engine.first_token_logits(QUESTION)
    runtime = answer_runtime.attach(tiny_vlm, kind, flags=BF16)
    try:
        assert runtime.name == f"torch-{kind}"
        logits = engine.first_token_logits(QUESTION)
        before = engine.cache.length
        answer = _answers(engine, [QUESTION])[0]
        assert engine.cache.length == before and answer.tokens > 0
        after = engine.add_frame(random_frames(6)[-1], 5.0)
    finally:
        answer_runtime.detach(tiny_vlm)
    error = float((logits - reference).norm() / reference.norm())
    assert 0 < error < 0.05
    fresh = _stream(tiny_vlm, random_frames(6))  # the frames that followed are unchanged
    assert after.cache_entries == fresh.cache.length
    assert torch.equal(engine.first_token_logits(QUESTION), fresh.first_token_logits(QUESTION))


@pytest.mark.skipif(not OPENVINO, reason="OpenVINO is not installed")
def test_openvino_float32_answers_exactly_like_pytorch(tiny_vlm, random_frames, tmp_path,
                                                       monkeypatch):  # fmt: skip
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    engine = _stream(tiny_vlm, random_frames(6))
    reference_logits = engine.first_token_logits(QUESTION)
    reference = _answers(engine, QUESTIONS)
    runtime = answer_runtime.attach(tiny_vlm, "openvino", flags=BF16)
    try:
        assert runtime.name == "openvino-f32" and runtime.rel_error < 1e-5
        logits = engine.first_token_logits(QUESTION)
        got = _answers(engine, QUESTIONS)
    finally:
        answer_runtime.detach(tiny_vlm)
    assert (logits - reference_logits).abs().max() < 1e-4
    assert [a.answer for a in got] == [a.answer for a in reference]
    assert [a.evidence for a in got] == [a.evidence for a in reference]
