"""SlotCache: appends into a buffer, compacts in place, rolls back without copies."""

from __future__ import annotations

import torch
from transformers import DynamicCache, Qwen2Config, Qwen2Model

from videoscan_core.stream.slot_cache import SlotCache


def tiny_decoder():
    torch.manual_seed(0)
    config = Qwen2Config(
        vocab_size=50,
        hidden_size=32,
        intermediate_size=37,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        initializer_range=0.1,
    )
    return Qwen2Model._from_config(config, attn_implementation="sdpa").eval()


def test_matches_dynamic_cache_across_buffer_growth():
    model, x = tiny_decoder(), torch.randn(1, 23, 32)
    slot, dynamic = SlotCache(2, initial_capacity=4), DynamicCache()
    with torch.inference_mode():
        for a, b in [(0, 5), (5, 6), (6, 17), (17, 23)]:
            out_slot = model(inputs_embeds=x[:, a:b], past_key_values=slot, use_cache=True)
            out_dyn = model(inputs_embeds=x[:, a:b], past_key_values=dynamic, use_cache=True)
            assert torch.allclose(out_slot.last_hidden_state, out_dyn.last_hidden_state, atol=1e-6)
    assert slot.length == 23 and slot.layers[0].capacity >= 23
    assert torch.equal(slot.layer_kv(1)[0], dynamic.layers[1].keys)


def test_keep_compacts_in_place_and_moves_only_the_changed_suffix():
    cache = SlotCache(2, initial_capacity=16)
    keys = torch.arange(10.0).view(1, 1, 10, 1).expand(1, 2, 10, 3).contiguous()
    cache.update(keys, keys + 100, 0)
    cache.update(keys, keys + 100, 1)
    buffer = cache.layers[0]._key_buffer
    cache.keep([0, 1, 2, 5, 9])
    assert cache.layers[0]._key_buffer is buffer  # same storage: no reallocation
    assert cache.layer_kv(0)[0][0, 0, :, 0].tolist() == [0, 1, 2, 5, 9]
    assert cache.layer_kv(1)[1][0, 1, :, 0].tolist() == [100, 101, 102, 105, 109]
    cache.keep([[0, 1, 4], [0, 2, 3]])  # per layer
    assert cache.layer_kv(0)[0][0, 0, :, 0].tolist() == [0, 1, 9]
    assert cache.layer_kv(1)[0][0, 0, :, 0].tolist() == [0, 2, 5]
    assert cache.get_seq_length() == 3 and cache.nbytes() == 2 * 2 * (2 * 3 * 3 * 4)


def test_truncate_rolls_back_an_append():
    cache = SlotCache(1, initial_capacity=8)
    base = torch.randn(1, 2, 5, 4)
    cache.update(base, base, 0)
    cache.update(torch.randn(1, 2, 3, 4), torch.randn(1, 2, 3, 4), 0)
    cache.truncate(5)
    assert cache.length == 5 and torch.equal(cache.layer_kv(0)[0], base)
