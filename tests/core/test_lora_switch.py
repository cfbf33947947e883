"""LoRA adapters kept beside the weights: on for what the model has seen, off for plain text.

A tiny SmolVLM2 with random (non-zero) LoRA weights: while nothing is remembered the engine's
answer logits are exactly those of the same model without LoRA (the system turn included); once
a frame is remembered they are not. Saved next to a checkpoint (``videoscan.json`` ``"lora"``),
``load_model`` attaches them the same way.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from videoscan_core.adapters import load_model
from videoscan_core.adapters.lora import LORA_FILE, LoraSettings, inject_lora, lora_state
from videoscan_core.adapters.smolvlm import SmolVLMModel
from videoscan_core.config import EngineConfig
from videoscan_core.stream.engine import StreamingEngine

SETTINGS = LoraSettings(rank=4, alpha=8.0)
QUESTION = "What color is the square?"


def _tiny() -> SmolVLMModel:
    from videoscan_core.tiny.smolvlm import build_tiny_smolvlm

    model, tokenizer = build_tiny_smolvlm(seed=0)
    return SmolVLMModel(model, tokenizer)


@pytest.fixture(scope="module")
def pair():
    """(plain model, the same weights with random LoRA adapters)."""
    plain, adapted = _tiny(), _tiny()
    inject_lora(adapted.decoder, SETTINGS)
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for tensor in lora_state(adapted.decoder).values():
            tensor.copy_(torch.randn(tensor.shape, generator=generator) * 0.3)
    adapted.lora_module = adapted.decoder
    return plain, adapted


def _logits(vlm, frames: int, seed: int = 0) -> torch.Tensor:
    engine = StreamingEngine(vlm, EngineConfig(device="cpu", memory_size=4))
    rng = np.random.default_rng(seed)
    for t in range(frames):
        engine.add_frame(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8), float(t))
    return engine.first_token_logits(QUESTION)


def test_plain_text_is_the_model_without_lora_until_something_is_remembered(pair):
    plain, adapted = pair
    torch.testing.assert_close(_logits(adapted, 0), _logits(plain, 0), atol=0, rtol=0)
    assert not torch.allclose(_logits(adapted, 2), _logits(plain, 2), atol=1e-3)


def test_plain_text_switches_off_every_adapter_and_restores_them(pair):
    _, adapted = pair
    ids = adapted.tokenize("Frame from 00:01:")
    with torch.no_grad():
        on = adapted.decoder(input_ids=ids).last_hidden_state
        with adapted.plain_text():
            off = adapted.decoder(input_ids=ids).last_hidden_state
            with adapted.plain_text(enabled=False):  # nested: still off
                still_off = adapted.decoder(input_ids=ids).last_hidden_state
        again = adapted.decoder(input_ids=ids).last_hidden_state
    assert not torch.allclose(on, off, atol=1e-4)
    torch.testing.assert_close(off, still_off, atol=0, rtol=0)
    torch.testing.assert_close(on, again, atol=0, rtol=0)
    assert all(p.requires_grad is False for p in lora_state(adapted.decoder).values())


def test_an_inner_switch_off_restores_what_was_before_it_not_on(pair):
    """Nested ``plain_text()`` blocks (both enabled): leaving the inner one keeps the adapters off
    for the rest of the outer one; only leaving the outer one turns them back on."""
    _, adapted = pair
    ids = adapted.tokenize("Frame from 00:01:")
    with torch.no_grad():
        on = adapted.decoder(input_ids=ids).last_hidden_state
        with adapted.plain_text():
            off = adapted.decoder(input_ids=ids).last_hidden_state
            with adapted.plain_text():
                pass
            after_inner = adapted.decoder(input_ids=ids).last_hidden_state
        after_outer = adapted.decoder(input_ids=ids).last_hidden_state
    assert not torch.allclose(on, off, atol=1e-4)
    torch.testing.assert_close(after_inner, off, atol=0, rtol=0)
    torch.testing.assert_close(after_outer, on, atol=0, rtol=0)


def test_load_model_attaches_the_adapters_saved_beside_the_weights(tmp_path, pair):
    from videoscan_core.tiny.smolvlm import make_tiny_smolvlm

    _, adapted = pair
    folder = make_tiny_smolvlm(tmp_path / "model", seed=0)
    save_file({k: v.contiguous() for k, v in lora_state(adapted.decoder).items()},
              str(folder / LORA_FILE))
    (folder / "videoscan.json").write_text(json.dumps({"lora": SETTINGS.to_json()}))
    loaded = load_model(folder, device="cpu")
    assert loaded.lora_module is loaded.decoder
    torch.testing.assert_close(_logits(loaded, 2), _logits(adapted, 2), atol=1e-5, rtol=0)
    (folder / LORA_FILE).unlink()
    with pytest.raises(Exception, match="LoRA adapters"):
        load_model(folder, device="cpu")
