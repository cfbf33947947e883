"""LLaVA-OneVision and LLaVA-Video behind the adapter interface: full-token streaming equals the
model class's own forward and its greedy ``generate`` (10 tokens) over the same sequence.

The layout is the engine's ``[system][E_1]...[E_T][question]`` with each frame's tokens as
``encode`` gives them (LLaVA-Video: a newline after every pooled row); transformers' OneVision
video processor puts one newline after the whole video instead, which a stream that has not
ended cannot place, so the reference is built from embeddings rather than from the processor.
"""

from __future__ import annotations

import pytest
import torch

from videoscan_core.adapters.llava_onevision import LlavaOnevisionModel
from videoscan_core.config import EngineConfig, GenerationOptions
from videoscan_core.stream.engine import StreamingEngine

QUESTION = "What color is the square?"


@pytest.fixture(scope="module", params=["llava-onevision", "llava-video"])
def llava(request):
    from videoscan_core.tiny.llava import build_tiny_model

    model, tokenizer = build_tiny_model(seed=0, attn="sdpa")
    newline = "grid" if request.param == "llava-video" else "none"
    return LlavaOnevisionModel(model, tokenizer, newline=newline)


def test_full_token_stream_equals_forward_and_generate(llava, random_frames):
    frames = random_frames(4, seed=2)
    engine = StreamingEngine(llava, EngineConfig(carrier=False, memory_size=None))
    visual = []
    for t, frame in enumerate(frames):
        with torch.inference_mode():
            tokens = llava.encode_frames(llava.preprocess([frame]))  # [1, N, D]
        visual.append(tokens)
        engine.add_visual_tokens(tokens, float(t))
    assert llava.family == ("llava-video" if llava.newline == "grid" else "llava-onevision")
    system = llava.tokenize(llava.prompt.system_text(engine.config.system_prompt))
    question = llava.tokenize(engine.question_prompt(QUESTION))
    with torch.inference_mode():
        embeds = torch.cat([llava.embed(system), *visual, llava.embed(question)], dim=1)
        reference = llava.model(inputs_embeds=embeds).logits[0, -1].float()
        generated = llava.model.generate(
            inputs_embeds=embeds,
            max_new_tokens=10,
            do_sample=False,
            eos_token_id=sorted(llava.eos_token_ids),
            pad_token_id=llava.tokenizer.pad_token_id,
        )[0].tolist()
    streamed = engine.first_token_logits(QUESTION)
    assert reference.abs().max() > 0.5
    assert (streamed - reference).abs().max() < 1e-4

    recorded: list[list[int]] = []
    decode = llava.decode
    llava.decode = lambda ids: (recorded.append(list(ids)), decode(ids))[1]
    try:
        final = list(engine.ask(QUESTION, GenerationOptions(max_new_tokens=10)))[-1]
    finally:
        del llava.decode
    expected = [token for token in generated if token not in llava.eos_token_ids]
    assert len(generated) >= 3
    assert (recorded[-1] if recorded else []) == expected
    assert final.tokens == len(expected)
