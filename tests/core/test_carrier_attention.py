"""VideoScan+: the kept entries are the top-k of the carrier's real attention row."""

from __future__ import annotations

import torch
from transformers import DynamicCache

from videoscan_core.config import EngineConfig
from videoscan_core.stream.engine import StreamingEngine


def test_topk_selection_matches_eager_attention_weights(tiny_vlm_eager):
    torch.manual_seed(3)
    vlm = tiny_vlm_eager
    n, dim, k = vlm.tokens_per_frame, vlm.hidden_size, 3
    engine = StreamingEngine(vlm, EngineConfig(memory_size=4, keep_topk=k))
    for t in range(6):
        visual = torch.randn(1, n, dim)
        # reference: the same step through transformers with eager attention maps returned
        engine._ensure_system()
        cache = DynamicCache()
        for layer in range(vlm.num_layers):
            keys, values = engine.cache.layer_kv(layer)
            cache.update(keys.clone(), values.clone(), layer)
        start = engine.cache.length
        inputs = torch.cat([visual, visual.mean(1, keepdim=True)], dim=1)
        positions = torch.arange(start, start + n + 1)[None]
        with torch.inference_mode():
            out = vlm.decoder(
                inputs_embeds=inputs,
                position_ids=positions,
                past_key_values=cache,
                use_cache=True,
                output_attentions=True,
            )
        expected = []
        for attention in out.attentions:  # [1, H, n+1, start+n+1]
            row = attention[0, :, -1, start : start + n].float().mean(0)
            expected.append(sorted(torch.topk(row, k).indices.tolist()))
        engine.add_visual_tokens(visual, float(t))
        assert engine.layout.blocks[-1].selected == expected
    # the selections differ between layers at least once (otherwise per-layer is untested)
    assert any(len({tuple(s) for s in b.selected}) > 1 for b in engine.layout.blocks)
