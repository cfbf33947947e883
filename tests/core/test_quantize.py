"""int8 dynamic quantisation of the language model: replaces the linears, keeps answers close."""

from __future__ import annotations

import torch

from videoscan_core.adapters import load_model
from videoscan_core.config import EngineConfig
from videoscan_core.stream.engine import StreamingEngine


def test_int8_language_model_streams_and_stays_close(tiny_model_dir, random_frames):
    plain = load_model(tiny_model_dir)
    quantized = load_model(tiny_model_dir, quantize="int8")
    layer = quantized.decoder.layers[0]
    assert "quantized.dynamic" in type(layer.self_attn.q_proj).__module__
    assert isinstance(quantized.lm_head, torch.nn.Linear)  # the head stays float
    logits = []
    for model in (plain, quantized):
        engine = StreamingEngine(model, EngineConfig(memory_size=3, keep_topk=2))
        for t, frame in enumerate(random_frames(5)):
            engine.add_frame(frame, float(t))
        logits.append(engine.first_token_logits("What is on the screen?"))
    correlation = torch.corrcoef(torch.stack(logits))[0, 1]
    assert correlation > 0.99 and not torch.equal(logits[0], logits[1])
