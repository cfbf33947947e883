"""The vectorised semantic-aware mask and positions against brute-force rules and streaming."""

from __future__ import annotations

import pytest
import torch

from videoscan_core.config import EngineConfig
from videoscan_core.stream.engine import StreamingEngine
from videoscan_core.train.masks import (
    CARRIER,
    PAD,
    SYSTEM,
    TEXT,
    VISUAL,
    semantic_aware_allowed,
    semantic_aware_mask,
    stream_layout,
    stream_position_ids,
)

from .oracle import build_tokens, visible

KIND = {"system": SYSTEM, "visual": VISUAL, "carrier": CARRIER, "text": TEXT}


def brute_force(system, frames, n, text, carriers=True):
    tokens = build_tokens(system, frames, n, text, carriers)
    rules = dict(frames=frames, evicted_at={}, recent=0, selected={}, carriers=carriers)
    allowed = torch.zeros(len(tokens), len(tokens), dtype=torch.bool)
    for i, q in enumerate(tokens):
        for j in range(i + 1):
            allowed[i, j] = visible(q, tokens[j], 0, rules)
    return allowed


@pytest.mark.parametrize("layout", [(3, 4, 5, 2), (1, 1, 1, 1), (4, 0, 3, 3), (2, 6, 0, 4)])
def test_mask_matches_brute_force_rules(layout):
    system, frames, n, text = layout
    types, frame_ids = stream_layout(system, frames, n, text)
    assert torch.equal(semantic_aware_allowed(types, frame_ids)[0], brute_force(*layout))


def test_batch_with_padding_and_different_frame_counts():
    a_types, a_frames = stream_layout(2, 3, 4, 3)
    b_types, b_frames = stream_layout(2, 1, 4, 2)
    pad = a_types.shape[1] - b_types.shape[1]
    b_types = torch.cat([b_types, torch.full((1, pad), PAD)], dim=1)
    b_frames = torch.cat([b_frames, torch.full((1, pad), -1)], dim=1)
    types, frames = torch.cat([a_types, b_types]), torch.cat([a_frames, b_frames])
    allowed = semantic_aware_allowed(types, frames)
    assert torch.equal(allowed[0], brute_force(2, 3, 4, 3))
    real = b_types.shape[1] - pad
    assert torch.equal(allowed[1, :real, :real], brute_force(2, 1, 4, 2))
    assert not allowed[1, :real, real:].any()  # nobody attends to padding
    assert torch.equal(allowed[1, real:, real:], torch.eye(pad, dtype=torch.bool))
    mask = semantic_aware_mask(types, frames, torch.float16)
    assert mask.shape == (2, 1, types.shape[1], types.shape[1]) and mask.dtype == torch.float16
    assert (mask == 0).equal(allowed[:, None])


def test_compact_positions_restart_where_the_compacted_cache_ends():
    types, frames = stream_layout(system=2, frames=2, visual_per_frame=3, text=2)
    compact = stream_position_ids(types, frames, "compact")[0].tolist()
    # system 0 1 | frame0 2 3 4 carrier 5 | frame1 3 4 5 carrier 6 | text 4 5
    assert compact == [0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 4, 5]
    assert stream_position_ids(types, frames, "monotonic")[0].tolist() == list(range(12))


@pytest.mark.parametrize("position_mode", ["compact", "monotonic"])
def test_one_masked_training_forward_equals_streaming(tiny_vlm, position_mode):
    """The training mask + positions reproduce inference (no eviction): the training premise."""
    torch.manual_seed(5)
    vlm, frames = tiny_vlm, 5
    n, dim = vlm.tokens_per_frame, vlm.hidden_size
    engine = StreamingEngine(vlm, EngineConfig(memory_size=64, position_mode=position_mode))
    visual = [torch.randn(1, n, dim) for _ in range(frames)]
    for t, tokens in enumerate(visual):
        engine.add_visual_tokens(tokens, float(t))
    streamed = engine.first_token_logits("Which came first?")
    system = vlm.tokenize(vlm.prompt.system_text(engine.config.system_prompt))
    question = vlm.tokenize(engine.question_prompt("Which came first?"))
    pieces = [vlm.embed(system)]
    for tokens in visual:
        pieces += [tokens, tokens.mean(1, keepdim=True)]
    embeds = torch.cat(pieces + [vlm.embed(question)], dim=1)
    types, frame_ids = stream_layout(system.shape[1], frames, n, question.shape[1])
    with torch.inference_mode():
        hidden = vlm.decoder(
            inputs_embeds=embeds,
            attention_mask=semantic_aware_mask(types, frame_ids, vlm.dtype),
            position_ids=stream_position_ids(types, frame_ids, position_mode),
        ).last_hidden_state
        reference = vlm.lm_head(hidden[:, -1])[0]
    assert (streamed - reference).abs().max() < 1e-4
