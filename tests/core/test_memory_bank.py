"""Eviction rule on constructed embeddings, and bank/cache alignment over long streams."""

from __future__ import annotations

import pytest
import torch

from videoscan_core.config import EngineConfig
from videoscan_core.stream.engine import StreamingEngine
from videoscan_core.stream.memory_bank import BankEntry, MemoryBank, most_redundant_index


def unit(index: int, dim: int = 8) -> torch.Tensor:
    vector = torch.zeros(dim)
    vector[index] = 1.0
    return vector


def test_most_redundant_pair_older_member_is_chosen():
    a, b, c = unit(0), unit(1), unit(2)
    # pairs: (a,b)=0, (b,b')=1 (most similar), (b',c)=0 -> older member of the pair, index 1
    assert most_redundant_index(torch.stack([a, b, b * 2.0, c])) == 1
    # ties go to the first pair
    assert most_redundant_index(torch.stack([a, a, b, b])) == 0


def test_bank_keeps_capacity_and_never_evicts_newest():
    bank = MemoryBank(capacity=3)
    vectors = [unit(0), unit(1), unit(2), unit(2)]  # the newest equals its predecessor
    evicted = []
    for i, vector in enumerate(vectors):
        bank.append(BankEntry(i, float(i), float(i), vector))
        evicted += bank.evict_over_capacity()
    assert [entry.frame_index for entry in bank.entries] == [0, 1, 3]
    assert [(position, entry.frame_index) for position, entry in evicted] == [(2, 2)]


def test_capacity_one_keeps_only_the_newest():
    bank = MemoryBank(capacity=1)
    for i in range(5):
        bank.append(BankEntry(i, float(i), float(i), torch.randn(4)))
        bank.evict_over_capacity()
    assert [entry.frame_index for entry in bank.entries] == [4]


def test_invalid_capacity_is_rejected():
    with pytest.raises(ValueError):
        MemoryBank(capacity=0)


def constant_frame(vector: torch.Tensor, n: int) -> torch.Tensor:
    """Visual tokens [N, D] whose mean (the carrier) is ``vector``."""
    return vector.expand(n, -1).clone()


def test_engine_evicts_the_constructed_redundant_carrier(tiny_vlm):
    n, dim = tiny_vlm.tokens_per_frame, tiny_vlm.hidden_size
    engine = StreamingEngine(tiny_vlm, EngineConfig(memory_size=4))
    # carriers: e0, e1, e2, e2 (dup), e3, e3 (dup), e4
    order = [0, 1, 2, 2, 3, 3, 4]
    events = [
        engine.add_visual_tokens(constant_frame(unit(k, dim), n), float(t))
        for t, k in enumerate(order)
    ]
    assert [e.carriers_retained for e in events] == [1, 2, 3, 4, 4, 4, 4]
    evicted = [[c.frame_index for c in e.evicted] for e in events]
    # frame 4 (e3) enters: frames 2 and 3 are identical -> frame 2 goes
    # frame 5 (e3 dup) enters: frames 4 and 5 identical -> frame 4 goes
    # frame 6 (e4) enters: all pairs orthogonal (tie) -> the first pair's older member, frame 0
    assert evicted == [[], [], [], [], [2], [4], [0]]
    assert [c.frame_index for c in engine.snapshot().carriers] == [1, 3, 5, 6]
    assert [c.timestamp for c in engine.snapshot().carriers] == [1.0, 3.0, 5.0, 6.0]
    system = engine.layout.system
    assert engine.cache.length == system + 4
    assert engine.bank_slots() == [system, system + 1, system + 2, system + 3]


@pytest.mark.parametrize(
    "config",
    [
        EngineConfig(memory_size=8),
        EngineConfig(memory_size=5, keep_topk=2),
        EngineConfig(memory_size=6, recent_frames=3),
    ],
    ids=["videoscan", "topk", "recent"],
)
def test_bank_and_cache_stay_aligned_over_hundreds_of_frames(tiny_vlm, config):
    torch.manual_seed(0)
    n, dim = tiny_vlm.tokens_per_frame, tiny_vlm.hidden_size
    engine = StreamingEngine(tiny_vlm, config)
    carrier_kv: dict[int, torch.Tensor] = {}  # frame -> layer-0 key of its carrier at creation
    m = config.memory_size
    for t in range(300):
        event = engine.add_visual_tokens(torch.randn(n, dim), float(t))
        slots = engine.bank_slots()
        keys, _ = engine.cache.layer_kv(0)
        carrier_kv[t] = keys[0, :, slots[-1]].clone()
        assert event.carriers_retained == min(t + 1, m)
        assert engine.bank.entries[-1].frame_index == t  # the newest is never evicted
        retained = min(t + 1, m)
        recent_entries = min(t + 1, config.recent_frames) * n
        expected = engine.layout.system + retained * (1 + config.keep_topk) + recent_entries
        assert engine.cache.length == expected
        frames = [entry.frame_index for entry in engine.bank.entries]
        assert frames == sorted(frames)
    keys, _ = engine.cache.layer_kv(0)
    for entry, slot in zip(engine.bank.entries, engine.bank_slots(), strict=True):
        assert torch.equal(keys[0, :, slot], carrier_kv[entry.frame_index])


def test_incremental_similarities_match_a_full_recomputation():
    torch.manual_seed(1)
    bank = MemoryBank(capacity=7)
    reference: list[BankEntry] = []
    for i in range(300):
        entry = BankEntry(i, float(i), float(i), torch.randn(16))
        bank.append(entry)
        reference.append(entry)
        while len(reference) > 7:
            reference.pop(most_redundant_index(torch.stack([e.embedding for e in reference])))
        bank.evict_over_capacity()
        assert [e.frame_index for e in bank.entries] == [e.frame_index for e in reference]
