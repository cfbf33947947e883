"""Evidence: the memory entries the question attended to most, as stream times."""

from __future__ import annotations

import pytest
import torch
from transformers import DynamicCache

from videoscan_core.config import EngineConfig, GenerationOptions
from videoscan_core.stream import carrier_attention
from videoscan_core.stream.engine import StreamingEngine
from videoscan_core.stream.evidence import memory_weights, top_evidence

QUESTION = "What color is the square?"
ONE_TOKEN = GenerationOptions(max_new_tokens=1)


def streamed(vlm, config: EngineConfig, frames: int, seed: int = 0) -> StreamingEngine:
    torch.manual_seed(seed)
    engine = StreamingEngine(vlm, config)
    for t in range(frames):
        engine.add_visual_tokens(torch.randn(1, vlm.tokens_per_frame, vlm.hidden_size), 2.0 * t)
    return engine


def final(engine: StreamingEngine, question: str = QUESTION):
    return list(engine.ask(question, ONE_TOKEN, remember=False))[-1]


@pytest.mark.parametrize(
    "config",
    [EngineConfig(memory_size=3), EngineConfig(memory_size=8, keep_topk=2)],
    ids=["eviction", "topk"],
)
def test_evidence_is_the_question_attention_row_over_carriers(tiny_vlm_eager, config):
    """Reference: eager attention maps of the same question prefill (layer and head mean)."""
    engine = streamed(tiny_vlm_eager, config, frames=7)
    vlm = tiny_vlm_eager
    ids = vlm.tokenize(engine.question_prompt(QUESTION))
    positions = engine._next_positions(ids.shape[1])
    positions = positions.reshape(-1, positions.shape[-1])[:1]  # [1, Q] (a 1-D RoPE family)
    cache = DynamicCache()
    for layer in range(vlm.num_layers):
        keys, values = engine.cache.layer_kv(layer)
        cache.update(keys.clone(), values.clone(), layer)
    with torch.inference_mode():
        out = vlm.decoder(
            inputs_embeds=vlm.embed(ids),
            position_ids=positions,
            past_key_values=cache,
            use_cache=True,
            output_attentions=True,
        )
    slots = engine.bank_slots()
    rows = torch.stack([a[0, :, -1].float().mean(0) for a in out.attentions]).mean(0)
    expected = rows[slots] / rows[slots].sum()
    order = sorted(range(len(slots)), key=lambda i: -float(expected[i]))[:3]
    entries = engine.bank.entries
    chunk = final(engine)
    assert chunk.evidence_frames == tuple(entries[i].frame_index for i in order)
    assert chunk.evidence == tuple(entries[i].timestamp for i in order)
    assert chunk.evidence_weights == pytest.approx([float(expected[i]) for i in order], abs=2e-4)
    assert len(set(chunk.evidence)) == len(chunk.evidence) == 3


def test_a_dominant_carrier_is_the_first_evidence(tiny_vlm, monkeypatch):
    """Make one retained carrier take (almost) all the question's attention: it must come first,
    with its own time, whatever the eviction and recent-window entries around it."""
    engine = streamed(tiny_vlm, EngineConfig(memory_size=4, recent_frames=1), frames=9)
    target = engine.bank.entries[1]
    slot = engine.layout.carrier_slot(target.frame_index)
    original = carrier_attention.CarrierAttentionProbe._carrier_row

    def spiked(self, module, hidden, cos, sin):
        row = original(self, module, hidden, cos, sin).clone()
        row[:, slot] += 50.0
        return row / row.sum(dim=-1, keepdim=True)

    monkeypatch.setattr(carrier_attention.CarrierAttentionProbe, "_carrier_row", spiked)
    chunk = final(engine)
    assert chunk.evidence_frames[0] == target.frame_index
    assert chunk.evidence[0] == target.timestamp == 2.0 * target.frame_index
    assert chunk.evidence_weights[0] > 0.9
    # without the spike the first evidence is another carrier (the test can fail)
    monkeypatch.setattr(carrier_attention.CarrierAttentionProbe, "_carrier_row", original)
    assert final(engine).evidence_weights[0] < 0.9


def test_full_token_mode_weighs_whole_frames(tiny_vlm):
    engine = streamed(tiny_vlm, EngineConfig(carrier=False, memory_size=3), frames=5)
    chunk = final(engine)
    assert set(chunk.evidence_frames) <= {entry.frame_index for entry in engine.bank.entries}
    assert len(chunk.evidence) == 3 and sum(chunk.evidence_weights) <= 1.0001


def test_no_memory_no_evidence_and_the_stream_is_unchanged(tiny_vlm):
    engine = StreamingEngine(tiny_vlm, EngineConfig(memory_size=4))
    assert final(engine).evidence == ()
    engine = streamed(tiny_vlm, EngineConfig(memory_size=4), frames=3)
    length = engine.cache.length
    keys = engine.cache.layer_kv(0)[0].clone()
    final(engine)
    assert engine.cache.length == length
    assert torch.equal(engine.cache.layer_kv(0)[0], keys)


def test_weights_and_ranking_helpers():
    rows = [torch.tensor([[0.1, 0.2, 0.3, 0.4]]), torch.tensor([[0.3, 0.2, 0.1, 0.4]]), None]
    weights = memory_weights(rows, [[1], [2], [3]])
    assert weights == pytest.approx([0.2 / 0.8, 0.2 / 0.8, 0.4 / 0.8])

    class Entry:
        def __init__(self, i):
            self.frame_index, self.timestamp, self.until = i, float(i), float(i)

    ranked = top_evidence([Entry(5), Entry(6), Entry(7)], weights, k=2)
    assert [e.frame_index for e in ranked] == [7, 5]  # ties: the earlier first
