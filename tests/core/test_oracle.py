"""The key correctness tests: streaming equals one masked forward over the whole sequence."""

from __future__ import annotations

import pytest
import torch

from videoscan_core.config import EngineConfig
from videoscan_core.stream.engine import StreamingEngine

from .oracle import oracle_logits

TOLERANCE = 1e-4
QUESTION = "What color is the square?"


def stream(vlm, config, frames):
    """Stream frames; return the engine, each frame's visual tokens, events, top-k choices."""
    engine = StreamingEngine(vlm, config)
    visual_tokens, events, selected = [], [], {}
    for t, frame in enumerate(frames):
        with torch.inference_mode():
            visual = vlm.encode_frames(vlm.preprocess([frame]))
        visual_tokens.append(visual)
        events.append(engine.add_visual_tokens(visual, float(t)))
        newest = engine.layout.blocks[-1]
        if newest.selected:
            selected[newest.frame_index] = newest.selected
    return engine, visual_tokens, events, selected


def test_full_token_streaming_equals_one_ordinary_forward(tiny_vlm, random_frames):
    """Oracle 1: carrier=False, no eviction == the transformers model's own causal forward."""
    engine, visual_tokens, events, _ = stream(
        tiny_vlm, EngineConfig(carrier=False, memory_size=None), random_frames(6)
    )
    streamed = engine.first_token_logits(QUESTION)
    system = tiny_vlm.tokenize(tiny_vlm.prompt.system_text(engine.config.system_prompt))
    question = tiny_vlm.tokenize(engine.question_prompt(QUESTION))
    embeds = torch.cat([tiny_vlm.embed(system)] + visual_tokens + [tiny_vlm.embed(question)], dim=1)
    with torch.inference_mode():
        reference = tiny_vlm.model(inputs_embeds=embeds).logits[0, -1].float()
    assert events[-1].cache_entries == embeds.shape[1] - question.shape[1]
    assert (streamed - reference).abs().max() < TOLERANCE
    assert reference.abs().max() > 0.5  # logits are O(1), so the tolerance means something


VARIANTS = {
    "no-eviction": dict(memory_size=64),
    "eviction": dict(memory_size=3),
    "topk": dict(memory_size=4, keep_topk=3),
    "recent": dict(memory_size=3, recent_frames=2),
    "topk+recent": dict(memory_size=3, keep_topk=2, recent_frames=2),
    "full-tokens-evicting": dict(memory_size=3, carrier=False),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("position_mode", ["compact", "monotonic"])
@pytest.mark.parametrize("attention", ["sdpa", "eager"])
def test_streaming_equals_semantic_aware_masked_forward(
    variant, position_mode, attention, tiny_vlm, tiny_vlm_eager, random_frames
):
    """Oracle 2: frame-by-frame streaming with cache cuts == one forward with the mask."""
    vlm = tiny_vlm if attention == "sdpa" else tiny_vlm_eager
    config = EngineConfig(position_mode=position_mode, **VARIANTS[variant])
    engine, visual_tokens, events, selected = stream(vlm, config, random_frames(8, seed=1))
    if config.memory_size and config.memory_size < 8:
        assert any(event.evicted for event in events), "the variant must exercise eviction"
    streamed = engine.first_token_logits(QUESTION)
    reference = oracle_logits(vlm, engine, visual_tokens, events, QUESTION, position_mode, selected)
    assert (streamed - reference).abs().max() < TOLERANCE


def test_oracle_is_sensitive_to_positions_and_evictions(tiny_vlm, random_frames):
    """Negative controls: the reference with a wrong rule is far from the stream."""
    config = EngineConfig(memory_size=3, position_mode="compact")
    engine, visual_tokens, events, _ = stream(tiny_vlm, config, random_frames(8, seed=1))
    streamed = engine.first_token_logits(QUESTION)
    wrong_positions = oracle_logits(tiny_vlm, engine, visual_tokens, events, QUESTION, "monotonic")
    assert (streamed - wrong_positions).abs().max() > 100 * TOLERANCE
    no_eviction = [type(e)(**{**e.__dict__, "evicted": ()}) for e in events]
    wrong_visibility = oracle_logits(
        tiny_vlm, engine, visual_tokens, no_eviction, QUESTION, "compact"
    )
    assert (streamed - wrong_visibility).abs().max() > 100 * TOLERANCE
