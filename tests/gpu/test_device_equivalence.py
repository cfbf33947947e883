"""The oracle and family equivalence tests on another device and in reduced precision.

Which device and dtypes: ``VIDEOSCAN_DEVICE`` (default ``cuda``; every test is skipped when it
is not there, so the default suite skips them on a CPU machine) and ``VIDEOSCAN_DTYPES``
(default ``bfloat16,float16``). ``scripts/gpu_check.sh`` runs them on CUDA; its CPU dry-run runs
them with ``VIDEOSCAN_DEVICE=cpu``.

In float32 (on the device) the stream equals one masked forward over the whole sequence within
1e-3 (TF32 convolutions on CUDA). In bfloat16/float16 the two compute the same thing in a
different order, so "equal" means: the stream is as close to the float32 reference as the masked
forward in that dtype is (error <= 3x the masked forward's + 2% of the logits' scale), and a
planted bug (the masked forward ignoring the evictions) lands far further away than the stream.
Families: LLaVA-OneVision (``oracle.py``), SmolVLM2 (scaffold text, ``scaffold_oracle.py``),
Qwen2.5-VL and Qwen3-VL (M-RoPE, DeepStack; ``qwen_oracle.py``), tiny random models, SDPA attention.
"""

from __future__ import annotations

import dataclasses
import json
import os

import numpy as np
import pytest
import torch

from videoscan_core.config import EngineConfig
from videoscan_core.stream.engine import StreamingEngine

from ..core import oracle, qwen_oracle, scaffold_oracle

DEVICE = os.environ.get("VIDEOSCAN_DEVICE", "cuda")
DTYPES = [name for name in os.environ.get("VIDEOSCAN_DTYPES", "bfloat16,float16").split(",")
          if name]  # fmt: skip
QUESTION = "What color is the square?"
TIMES = [0.0, 1.0, 9.5, 65.0, 66.0, 70.2, 71.0, 130.0]
F32_TOLERANCE = 1e-3


def _device_ok() -> bool:
    kind = torch.device(DEVICE).type
    return kind == "cpu" or (kind == "cuda" and torch.cuda.is_available())


pytestmark = pytest.mark.skipif(not _device_ok(), reason=f"no {DEVICE} device here")


def build(family: str, dtype: torch.dtype):
    """The tiny model of ``family`` (same seed, so the same weights; built on the CPU as the tests
    in tests/core build it) moved to DEVICE in ``dtype``."""
    if family == "llava-onevision":
        from videoscan_core.adapters.llava_onevision import VisionLanguageModel
        from videoscan_core.tiny.llava import build_tiny_model

        model, tokenizer = build_tiny_model(seed=0, attn="sdpa")
        vlm = VisionLanguageModel(model, tokenizer)
    elif family == "smolvlm2":
        from videoscan_core.adapters.smolvlm import SmolVLMModel
        from videoscan_core.tiny.smolvlm import build_tiny_smolvlm

        model, tokenizer = build_tiny_smolvlm(seed=0, attn="sdpa")
        vlm = SmolVLMModel(model, tokenizer)
    else:
        from videoscan_core.tiny.qwen import build_tiny_qwen_adapter

        vlm = build_tiny_qwen_adapter(family, seed=1)
    vlm.model.to(DEVICE, dtype)
    return vlm


def frames(count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    return [rng.integers(0, 256, (30, 45, 3), dtype=np.uint8) for _ in range(count)]


def stream_and_oracle(vlm, family: str, config: EngineConfig, planted_bug: bool = False):
    """(streamed logits, masked-forward logits) of the first answer token, float32 ``[V]``;
    ``planted_bug``: the masked forward as if nothing had been evicted."""
    engine = StreamingEngine(vlm, config)
    visuals, events, selected = [], [], {}
    times = TIMES[:6]
    for frame, t in zip(frames(len(times)), times, strict=True):
        visual = engine.encode([frame])
        visuals.append(visual)
        events.append(engine.add_visual_tokens(visual, t))
        newest = engine.layout.blocks[-1] if engine.layout.blocks else None
        if newest is not None and newest.selected:
            selected[newest.frame_index] = newest.selected
    assert any(event.evicted for event in events), "the variant must evict"
    streamed = engine.first_token_logits(QUESTION)
    mode = config.position_mode
    if planted_bug:
        events = [dataclasses.replace(event, evicted=()) for event in events]
    if family.startswith("qwen"):
        reference, _ = qwen_oracle.oracle_logits(vlm, engine, visuals, times, events, QUESTION,
                                                 selected=selected)  # fmt: skip
    elif family == "smolvlm2":
        tokens = [visual.tokens for visual in visuals]
        reference = scaffold_oracle.scaffold_oracle_logits(
            vlm, engine, tokens, times, events, QUESTION, mode, selected
        )
    else:
        tokens = [visual.tokens for visual in visuals]
        reference = oracle.oracle_logits(vlm, engine, tokens, events, QUESTION, mode, selected)
    return streamed.float().cpu(), reference.float().cpu()


CASES = {
    "eviction-compact": dict(memory_size=3, position_mode="compact"),
    "topk+recent-monotonic": dict(memory_size=3, keep_topk=2, recent_frames=2,
                                  position_mode="monotonic"),  # fmt: skip
}
FAMILIES = ["llava-onevision", "smolvlm2", "qwen2.5-vl", "qwen3-vl"]
_REFERENCES: dict = {}


def float32_reference(family: str, case: str):
    """The float32 run on the device (stream and masked forward must agree there), cached."""
    key = (family, case)
    if key not in _REFERENCES:
        vlm = build(family, torch.float32)
        streamed, reference = stream_and_oracle(vlm, family, EngineConfig(**CASES[case]))
        scale = float(reference.abs().max())
        assert scale > 0.1, "logits must be O(1) for the tolerances to mean something"
        assert float((streamed - reference).abs().max()) <= F32_TOLERANCE * max(1.0, scale)
        _REFERENCES[key] = reference
    return _REFERENCES[key]


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_stream_is_as_close_to_float32_as_the_masked_forward(dtype, family, case):
    truth = float32_reference(family, case)
    scale = float(truth.abs().max())
    vlm = build(family, getattr(torch, dtype))
    streamed, reference = stream_and_oracle(vlm, family, EngineConfig(**CASES[case]))
    stream_error = float((streamed - truth).abs().max())
    oracle_error = float((reference - truth).abs().max())
    row = {"device": DEVICE, "dtype": dtype, "family": family, "case": case,
           "scale": round(scale, 4), "stream_error": round(stream_error, 5),
           "masked_forward_error": round(oracle_error, 5)}  # fmt: skip
    if case == "eviction-compact":  # negative control: a planted bug is far away
        _, wrong = stream_and_oracle(vlm, family, EngineConfig(**CASES[case]), True)
        row["planted_bug_distance"] = round(float((wrong - streamed).abs().max()), 5)
        row["stream_to_oracle"] = round(float((reference - streamed).abs().max()), 5)
    report(row)
    assert oracle_error < 0.25 * scale, f"{dtype} itself is off: {oracle_error}"
    assert stream_error <= 3 * oracle_error + 0.02 * scale, (stream_error, oracle_error, scale)
    if "planted_bug_distance" in row:
        assert row["planted_bug_distance"] > 3 * row["stream_to_oracle"] + 0.02 * scale


def report(row: dict) -> None:
    """One JSON line per test into ``VIDEOSCAN_EQUIVALENCE_REPORT`` when set (gpu_check reads
    it: the measured errors, not only pass/fail)."""
    path = os.environ.get("VIDEOSCAN_EQUIVALENCE_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")
