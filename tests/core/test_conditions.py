"""Yes/no scoring of conditions: P(yes) from the first answer token, cache rolled back."""

from __future__ import annotations

import math

import torch

from videoscan_core.config import EngineConfig
from videoscan_core.stream.conditions import (
    condition_question,
    score_condition,
    yes_no_token_ids,
)
from videoscan_core.stream.engine import StreamingEngine


def test_condition_wording():
    asked = "Is this true now: a red circle appears? Answer yes or no."
    assert condition_question("when a red circle appears") == asked
    assert condition_question("Tell me when a red circle appears.") == asked
    assert condition_question("Is a red shape on the screen now?") == (
        "Is a red shape on the screen now?"
    )


def test_score_is_the_yes_no_softmax_and_leaves_the_stream(tiny_vlm):
    engine = StreamingEngine(tiny_vlm, EngineConfig(memory_size=3))
    assert score_condition(engine, "a red circle appears") == 0.5  # nothing seen yet
    torch.manual_seed(2)
    for t in range(4):
        engine.add_visual_tokens(
            torch.randn(1, tiny_vlm.tokens_per_frame, tiny_vlm.hidden_size), float(t)
        )
    engine.history.add("What is on the screen now?", "a red circle")
    length, keys = engine.cache.length, engine.cache.layer_kv(0)[0].clone()
    score = score_condition(engine, "when a red circle appears")
    logits = engine.first_token_logits(
        condition_question("a red circle appears"), use_history=False, with_times=False
    )
    yes, no = yes_no_token_ids(tiny_vlm.tokenizer)
    margin = float(logits[yes].logsumexp(0) - logits[no].logsumexp(0))
    assert math.isclose(score, 1 / (1 + math.exp(-margin)), rel_tol=1e-6)
    assert 0.0 < score < 1.0
    assert engine.cache.length == length and torch.equal(engine.cache.layer_kv(0)[0], keys)
    assert score != score_condition(engine, "when a blue square is on the screen")
