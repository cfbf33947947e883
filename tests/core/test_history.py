"""Follow-up questions: the recent conversation is in the prompt, bounded, cleared, rolled back."""

from __future__ import annotations

import pytest
import torch

from videoscan_core.adapters.prompt import CHATML, time_instruction
from videoscan_core.config import EngineConfig, GenerationOptions
from videoscan_core.stream.engine import StreamingEngine
from videoscan_core.stream.history import (
    FollowUpHistory,
    fit_history,
    prompt_with_history,
    refers_back,
)

FIRST, FOLLOW_UP = "What is on the screen now?", "And before that?"


def streamed(vlm, frames: int = 4) -> StreamingEngine:
    torch.manual_seed(1)
    engine = StreamingEngine(vlm, EngineConfig(memory_size=3))
    for t in range(frames):
        engine.add_visual_tokens(torch.randn(1, vlm.tokens_per_frame, vlm.hidden_size), float(t))
    return engine


def reference_logits(engine: StreamingEngine, text: str) -> torch.Tensor:
    """The first answer token's logits of ``text`` prefilled by hand over a copy of the cache."""
    from transformers import DynamicCache

    vlm = engine.model
    cache = DynamicCache()
    for layer in range(vlm.num_layers):
        keys, values = engine.cache.layer_kv(layer)
        cache.update(keys.clone(), values.clone(), layer)
    ids = vlm.tokenize(text)
    positions = engine._next_positions(ids.shape[1])
    positions = positions.reshape(-1, positions.shape[-1])[:1]  # [1, Q]
    with torch.inference_mode():
        hidden = vlm.decoder(
            inputs_embeds=vlm.embed(ids), position_ids=positions, past_key_values=cache
        ).last_hidden_state
        return vlm.lm_head(hidden[:, -1])[0].float()


def test_history_is_in_the_prompt_and_rolled_back(tiny_vlm):
    engine = streamed(tiny_vlm)
    plain = engine.first_token_logits(FOLLOW_UP)
    cache_length = engine.cache.length
    keys = engine.cache.layer_kv(1)[0].clone()
    first = list(engine.ask(FIRST, GenerationOptions(max_new_tokens=3)))[-1]
    assert first.answer and engine.history.turns() == ((FIRST, first.answer),)
    prompt = engine.question_prompt(FOLLOW_UP)
    instruction = time_instruction(engine.last_timestamp, engine.bank.timestamps())
    history = ((FIRST, first.answer),)
    assert prompt == prompt_with_history(CHATML, FOLLOW_UP, instruction, history)
    assert prompt.index(FIRST) < prompt.index(first.answer) < prompt.index(FOLLOW_UP)
    with_history = engine.first_token_logits(FOLLOW_UP)
    # the history changes the answer's logits, exactly as prefilling that text by hand does
    assert (with_history - plain).abs().max() > 1e-3
    assert (with_history - reference_logits(engine, prompt)).abs().max() < 1e-4
    assert (engine.first_token_logits(FOLLOW_UP, use_history=False) - plain).abs().max() < 1e-5
    # the stream is never changed by it
    assert engine.cache.length == cache_length
    assert torch.equal(engine.cache.layer_kv(1)[0], keys)
    engine.clear_conversation()
    assert engine.history.turns() == ()
    assert (engine.first_token_logits(FOLLOW_UP) - plain).abs().max() < 1e-5


def test_cancelled_or_unremembered_answers_stay_out(tiny_vlm):
    engine = streamed(tiny_vlm)
    list(engine.ask(FIRST, GenerationOptions(max_new_tokens=3), should_stop=lambda: True))
    list(engine.ask(FIRST, GenerationOptions(max_new_tokens=3), remember=False))
    assert engine.history.turns() == ()
    list(engine.ask(FIRST, GenerationOptions(max_new_tokens=3)))
    assert len(engine.history) == 1
    engine.reset()  # a new stream: the old conversation is about the old memory
    assert len(engine.history) == 0


def test_conversation_is_bounded_in_turns_characters_and_tokens():
    conversation = FollowUpHistory(max_turns=2, max_chars=60)
    for i in range(4):
        conversation.add(f"question {i}?", f"answer {i}")
    assert [q for q, _ in conversation.turns()] == ["question 2?", "question 3?"]
    conversation.add("a long question " * 4, "x")
    assert len(conversation) == 0 or sum(len(q) + len(a) for q, a in conversation.turns()) <= 60
    history = [(f"q{i}", "word " * 20) for i in range(3)]

    def build(turns):
        return prompt_with_history(CHATML, "next?", None, turns)

    fitted = fit_history(history, build, lambda text: len(text.split()), budget=45)
    assert "q2" in fitted and "q0" not in fitted and "q1" not in fitted
    assert fit_history(history, build, lambda text: len(text.split()), budget=0) == build(())


def test_no_history_is_the_plain_question_text():
    assert prompt_with_history(CHATML, "Q?", "instr") == CHATML.question_text("Q?", "instr")
    text = prompt_with_history(CHATML, "Q2?", "instr", (("Q1?", "A1"),))
    assert text == (
        "\ninstr\nQ1?<|im_end|>\n<|im_start|>assistant\nA1<|im_end|>\n<|im_start|>user"
        "\nQ2?<|im_end|>\n<|im_start|>assistant\n"
    )


def test_only_questions_that_refer_back_see_the_history_by_default(tiny_vlm):
    engine = streamed(tiny_vlm)
    plain = engine.question_prompt("How many shapes appeared?")
    engine.history.add(FIRST, "a red circle")
    assert engine.question_prompt("How many shapes appeared?") == plain
    assert "a red circle" in engine.question_prompt("What color is it?")
    engine.history.mode = "always"
    assert "a red circle" in engine.question_prompt("How many shapes appeared?")
    assert refers_back("And before that?") and refers_back("Is it red?")
    assert not refers_back("What is on the screen now?")
    with pytest.raises(ValueError):
        FollowUpHistory(mode="sometimes")


@pytest.mark.parametrize("bad", [(-1, 10), (2, -5)])
def test_bad_bounds_are_refused(bad):
    with pytest.raises(ValueError):
        FollowUpHistory(*bad)
