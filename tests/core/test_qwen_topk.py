"""VideoScan+ on Qwen-VL: the carrier's attention row (top-k choice) equals the model's own."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from videoscan_core.adapters.loading import load_model
from videoscan_core.config import EngineConfig
from videoscan_core.stream.carrier_attention import CarrierAttentionProbe
from videoscan_core.stream.engine import StreamingEngine
from videoscan_core.tiny.qwen import QWEN_FAMILIES, make_tiny_qwen


@pytest.mark.parametrize("family", QWEN_FAMILIES)
def test_carrier_row_equals_eager_attention_weights(tmp_path, family):
    """Qwen3-VL normalises queries per head (q_norm) before RoPE; the probe must too."""
    vlm = load_model(
        make_tiny_qwen(tmp_path, family, seed=1), device="cpu", attn_implementation="eager"
    )
    engine = StreamingEngine(vlm, EngineConfig(memory_size=4, position_mode="monotonic"))
    rng = np.random.default_rng(0)
    engine.add_frame(rng.integers(0, 256, (30, 45, 3), dtype=np.uint8), 0.0)
    with torch.inference_mode():
        visual = engine.encode([rng.integers(0, 256, (30, 45, 3), dtype=np.uint8)])
        chunk = vlm.frame_inputs(visual, 0.5, visual.tokens.mean(dim=1, keepdim=True))
        positions = vlm.frame_positions(engine.positions_used, chunk)
        with CarrierAttentionProbe(vlm.attention_modules(), engine.cache) as probe:
            out = vlm.decoder(
                inputs_embeds=chunk.inputs,
                position_ids=positions,
                past_key_values=engine.cache,
                use_cache=True,
                output_attentions=True,
                **chunk.decoder_kwargs,
            )
    for layer, weights in enumerate(out.attentions):  # [1, heads, q, kv]
        expected = weights[0, :, -1, :].mean(dim=0)  # the carrier's row, head-averaged
        assert (probe.rows[layer][0] - expected).abs().max() < 1e-6
