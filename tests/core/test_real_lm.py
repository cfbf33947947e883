"""The SmolVLM2 test model on the real SmolLM2-135M-Instruct answers for real.

Its language model is SmolLM2 unchanged (SmolVLM2's special tokens appended), and its checkpoint's
ChatML template makes a question asked before any frame exactly SmolLM2's own chat prompt, so the
engine's greedy answer equals the plain ``LlamaForCausalLM.generate`` on that prompt.
"""

from __future__ import annotations

import pytest
import torch

from videoscan_core.config import EngineConfig, GenerationOptions
from videoscan_core.smollm2 import BASE_VOCAB, base_lm_folder
from videoscan_core.stream.engine import StreamingEngine

pytestmark = pytest.mark.slow  # loads 2 x 540 MB of weights
SYSTEM = "You are a helpful assistant."


@pytest.fixture(scope="module")
def smollm2(smollm2_model_dir):
    from transformers import AutoTokenizer, LlamaForCausalLM

    folder = base_lm_folder()
    return (LlamaForCausalLM.from_pretrained(folder, dtype=torch.float32).eval(),
            AutoTokenizer.from_pretrained(folder))


def chat_ids(tokenizer, question: str) -> torch.Tensor:
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}]
    return tokenizer.apply_chat_template(
        messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
    )["input_ids"]


def test_the_language_model_is_smollm2_with_smolvlm2_tokens_appended(smollm2_vlm, smollm2):
    lm, tokenizer = smollm2
    added = [smollm2_vlm.tokenizer.convert_tokens_to_ids(t) for t in
             ("<fake_token_around_image>", "<global-img>", "<image>", "<end_of_utterance>")]
    assert sorted(added) == list(range(BASE_VOCAB, BASE_VOCAB + 4))
    ids = chat_ids(tokenizer, "Spell the word cat.")
    with torch.no_grad():
        ours = smollm2_vlm.model(input_ids=ids).logits[..., :BASE_VOCAB]
        theirs = lm(ids).logits
    torch.testing.assert_close(ours, theirs, atol=1e-3, rtol=0)


def test_a_question_before_any_frame_gets_smollm2s_own_greedy_answer(smollm2_vlm, smollm2):
    lm, tokenizer = smollm2
    question = "What is the capital of France?"
    engine = StreamingEngine(smollm2_vlm, EngineConfig(device="cpu", system_prompt=SYSTEM))
    ids = chat_ids(tokenizer, question)
    engine._ensure_system()
    prompt = smollm2_vlm.prompt.system_text(SYSTEM) + engine.question_prompt(question)
    assert smollm2_vlm.tokenize(prompt).tolist() == ids.tolist()  # SmolLM2's own chat prompt
    answer = engine.answer(question, GenerationOptions(max_new_tokens=24))
    with torch.no_grad():
        out = lm.generate(ids, max_new_tokens=24, do_sample=False)
    expected = tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True).strip()
    assert answer == expected
    assert "Paris" in answer
