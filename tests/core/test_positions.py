"""Bounded, ordered positions: re-rotating cached keys (position_mode="rerotate")."""

from __future__ import annotations

import pytest
import torch

from videoscan_core.config import EngineConfig
from videoscan_core.limits import position_need
from videoscan_core.stream import positions as positions_module
from videoscan_core.stream.engine import StreamingEngine
from videoscan_core.stream.positions import (
    PositionBook,
    PositionLimitError,
    Rotation,
    UnsupportedRopeError,
    contiguous_shift,
    rerotate,
)

from .oracle import oracle_logits, rope_inv_freq, rope_rotate
from .test_oracle import QUESTION, TOLERANCE, stream

SHIFT_TOLERANCE = 1e-5


def planted_wrong_sign(monkeypatch):
    """A re-rotation bug: keys turn the wrong way."""
    real = positions_module.rotate
    monkeypatch.setattr(positions_module, "rotate", lambda x, angles: real(x, -angles))


def shift_everything(engine, delta: int) -> None:
    book = engine.positions
    book.truncate(engine.cache.length)  # the last question's entries were rolled back
    shift = torch.full((book.num_layers, book.rows, book.length), delta, dtype=torch.long)
    rerotate(engine.cache, book, Rotation.from_model(engine.model), shift)


def test_shifting_the_cache_and_the_question_together_changes_nothing(tiny_vlm, random_frames):
    engine, *_ = stream(tiny_vlm, EngineConfig(memory_size=3, position_mode="monotonic"),
                        random_frames(6, seed=2))
    before = engine.first_token_logits(QUESTION)
    shift_everything(engine, 37)
    engine.positions_used += 37  # the question follows the shifted cache
    after = engine.first_token_logits(QUESTION)
    assert (after - before).abs().max() <= SHIFT_TOLERANCE
    engine.positions_used -= 37  # the cache alone moved: relative positions change
    assert (engine.first_token_logits(QUESTION) - before).abs().max() > 100 * SHIFT_TOLERANCE


def test_a_wrong_rotation_sign_breaks_the_shift_invariance(tiny_vlm, random_frames, monkeypatch):
    engine, *_ = stream(tiny_vlm, EngineConfig(memory_size=3, position_mode="monotonic"),
                        random_frames(4, seed=2))
    before = engine.first_token_logits(QUESTION)
    planted_wrong_sign(monkeypatch)
    shift_everything(engine, 37)
    engine.positions_used += 37
    assert (engine.first_token_logits(QUESTION) - before).abs().max() > 100 * SHIFT_TOLERANCE


class RawKeys:
    """Records every layer's keys before RoPE (k_proj outputs), token by token."""

    def __init__(self, vlm) -> None:
        self.keys: list[list[torch.Tensor]] = [[] for _ in vlm.decoder.layers]
        self.handles = [
            layer.self_attn.k_proj.register_forward_hook(self._hook(index))
            for index, layer in enumerate(vlm.decoder.layers)
        ]
        self.head_dim = vlm.head_dim

    def _hook(self, index):
        def record(module, args, output):
            tokens = output[0].view(output.shape[1], -1, self.head_dim)  # [q, Hkv, hd]
            self.keys[index].extend(tokens.unbind(0))

        return record

    def close(self) -> None:
        for handle in self.handles:
            handle.remove()


@pytest.mark.parametrize(
    "variant",
    [dict(memory_size=3), dict(memory_size=3, keep_topk=2, recent_frames=1)],
    ids=["eviction", "topk+recent"],
)
def test_every_cached_key_equals_the_key_computed_at_its_new_position(
    variant, tiny_vlm, random_frames
):
    raw = RawKeys(tiny_vlm)
    try:
        engine, _, events, _ = stream(
            tiny_vlm, EngineConfig(position_mode="rerotate", **variant), random_frames(8, seed=3)
        )
    finally:
        raw.close()
    assert any(event.evicted for event in events)
    system = engine.layout.system
    chunk = tiny_vlm.tokens_per_frame + 1  # every frame fed N visual tokens and its carrier
    inv_freq = rope_inv_freq(tiny_vlm)
    for layer in range(tiny_vlm.num_layers):
        sources = list(range(system))  # token index (in feeding order) of every cache slot
        for block in engine.layout.blocks:
            first = system + block.frame_index * chunk
            if block.visual == "full":
                sources += range(first, first + block.visual_count)
            elif block.visual == "selected":
                sources += [first + j for j in block.selected[layer]]
            if block.carrier:
                sources.append(first + block.visual_count)
        cached = engine.cache.layer_kv(layer)[0][0]  # [Hkv, L, hd]
        assert cached.shape[1] == len(sources)
        raw_keys = torch.stack([raw.keys[layer][s] for s in sources], dim=1)  # [Hkv, L, hd]
        slots = torch.arange(len(sources))
        expected = rope_rotate(raw_keys, slots[None, :], inv_freq)
        assert (cached - expected).abs().max() <= SHIFT_TOLERANCE
    assert engine.positions.positions.equal(
        torch.arange(len(sources)).expand(tiny_vlm.num_layers, 1, -1)
    )


RERO_VARIANTS = {
    "eviction": dict(memory_size=3),
    "topk": dict(memory_size=4, keep_topk=3),
    "recent": dict(memory_size=3, recent_frames=2),
    "topk+recent": dict(memory_size=3, keep_topk=2, recent_frames=2),
    "full-tokens-evicting": dict(memory_size=3, carrier=False),
}


@pytest.mark.parametrize("variant", list(RERO_VARIANTS))
@pytest.mark.parametrize("mode", ["rerotate", "sliding"])
def test_rerotate_streaming_equals_the_pairwise_reference(variant, mode, tiny_vlm, random_frames):
    config = EngineConfig(position_mode=mode, **RERO_VARIANTS[variant])
    engine, visual_tokens, events, selected = stream(tiny_vlm, config, random_frames(8, seed=1))
    assert any(event.evicted for event in events)
    streamed = engine.first_token_logits(QUESTION)
    reference = oracle_logits(tiny_vlm, engine, visual_tokens, events, QUESTION, mode, selected)
    assert (streamed - reference).abs().max() < TOLERANCE
    assert reference.abs().max() > 0.5


def test_the_pairwise_reference_catches_a_planted_rotation_bug(
    tiny_vlm, random_frames, monkeypatch
):
    planted_wrong_sign(monkeypatch)
    config = EngineConfig(position_mode="rerotate", memory_size=3)
    engine, visual_tokens, events, _ = stream(tiny_vlm, config, random_frames(8, seed=1))
    streamed = engine.first_token_logits(QUESTION)
    reference = oracle_logits(tiny_vlm, engine, visual_tokens, events, QUESTION, "rerotate")
    assert (streamed - reference).abs().max() > 100 * TOLERANCE
    # and the other modes' references are far from a correct rerotate stream
    monkeypatch.undo()
    engine, visual_tokens, events, _ = stream(tiny_vlm, config, random_frames(8, seed=1))
    streamed = engine.first_token_logits(QUESTION)
    compact = oracle_logits(tiny_vlm, engine, visual_tokens, events, QUESTION, "compact")
    assert (streamed - compact).abs().max() > 100 * TOLERANCE


def stream_many(vlm, config, frames: int, check_every: int = 1):
    """Stream ``frames`` precomputed frames; return (max position seen, per-check maxima)."""
    torch.manual_seed(0)
    pool = [torch.randn(vlm.tokens_per_frame, vlm.hidden_size) for _ in range(7)]
    engine = StreamingEngine(vlm, config)
    highest = []
    for t in range(frames):
        engine.add_visual_tokens(pool[t % 7] * (1 + (t % 5) / 10), float(t))
        if t % check_every == 0 or t == frames - 1:
            highest.append(max(engine.positions.max_position(), engine.positions_used - 1))
    return engine, highest


def bound_of(engine) -> int:
    """The positions a stream reaches, as tight as the test can say it, and never past what
    the limits check assumes (``limits.position_need``)."""
    config = engine.config
    question = engine.model.tokenize(engine.question_prompt(QUESTION)).shape[1]
    span = engine.model.tokens_per_frame + 1  # a frame's visual tokens and its carrier
    if config.position_mode == "sliding":  # every frame in memory keeps its full span
        tight = engine.layout.system + (config.memory_size + 1) * span + question
    else:  # packed: S + M (1 + k) + (r + 1) frames + question
        kept = config.memory_size * (1 + config.keep_topk)
        tight = engine.layout.system + kept + (config.recent_frames + 1) * span + question
    need = position_need(engine.model, config)
    assert need is not None and tight <= need
    return tight


@pytest.mark.parametrize(
    "variant", [dict(memory_size=4), dict(memory_size=3, keep_topk=2, recent_frames=2)],
    ids=["videoscan", "topk+recent"],
)
@pytest.mark.parametrize("mode", ["rerotate", "sliding"])
def test_rerotate_positions_stay_bounded(variant, mode, tiny_vlm):
    engine, highest = stream_many(tiny_vlm, EngineConfig(position_mode=mode, **variant), 120)
    assert max(highest) < bound_of(engine)
    assert highest[-1] == highest[20]  # no growth once memory is full
    logits = engine.first_token_logits(QUESTION)
    assert torch.isfinite(logits).all()


@pytest.mark.slow
def test_twenty_thousand_frames_keep_positions_bounded(tiny_vlm):
    engine, highest = stream_many(
        tiny_vlm, EngineConfig(position_mode="rerotate", memory_size=4), 20_000, check_every=50
    )
    assert max(highest) < bound_of(engine)
    assert highest[-1] == highest[5]
    assert engine.frames_seen == 20_000


def test_monotonic_positions_are_refused_before_the_model_limit(tiny_vlm, monkeypatch):
    monkeypatch.setattr(tiny_vlm, "max_position_embeddings", 120)
    engine = StreamingEngine(tiny_vlm, EngineConfig(memory_size=3, position_mode="monotonic"))
    visual = torch.randn(tiny_vlm.tokens_per_frame, tiny_vlm.hidden_size)
    with pytest.raises(PositionLimitError, match="limit of 120 positions") as refused:
        for t in range(50):
            engine.add_visual_tokens(visual, float(t))
    assert "\n" not in str(refused.value)
    seen, length = engine.frames_seen, engine.cache.length
    assert 0 < seen < 50 and engine.positions.max_position() < 120
    with pytest.raises(PositionLimitError):
        engine.add_visual_tokens(visual, 99.0)
    assert (engine.frames_seen, engine.cache.length) == (seen, length)  # nothing half done
    # a bounded mode is checked before it streams, with room reserved for the question and the
    # screen text (limits.FIXED_ENTRIES, past 120): give it that room; its positions stay under 120
    rerotate = EngineConfig(memory_size=3, position_mode="rerotate")
    monkeypatch.setattr(tiny_vlm, "max_position_embeddings", position_need(tiny_vlm, rerotate))
    bounded = StreamingEngine(tiny_vlm, rerotate)
    assert bounded.position_note is None and bounded.config.memory_size == 3
    for t in range(50):
        bounded.add_visual_tokens(visual, float(t))
    assert bounded.positions.max_position() < 120


def test_rope_whose_frequencies_move_is_refused(tiny_vlm, monkeypatch):
    monkeypatch.setattr(tiny_vlm.decoder.rotary_emb, "rope_type", "dynamic", raising=False)
    with pytest.raises(UnsupportedRopeError, match="rerotate"):
        StreamingEngine(tiny_vlm, EngineConfig(position_mode="rerotate"))
    StreamingEngine(tiny_vlm, EngineConfig(position_mode="compact"))  # other modes still work


def test_gap_closing_keeps_an_mrope_grid_and_shifts_all_rows_alike():
    book = PositionBook(num_layers=1, rows=3)
    book.append(torch.tensor([[0, 1], [0, 1], [0, 1]]))  # two text tokens
    grid = torch.tensor([[2, 2, 2, 2], [2, 2, 3, 3], [2, 3, 2, 3]])  # a 2x2 frame at t=2
    book.append(grid)
    book.append(torch.tensor([[4], [4], [4]]))  # its carrier after the grid
    book.append(torch.tensor([[5, 5, 5, 5], [5, 5, 6, 6], [5, 6, 5, 6]]))  # the next frame
    keep = [0, 1, 6, 7, 8, 9, 10]  # the first frame's grid goes, its carrier stays
    book.keep(keep)
    delta = contiguous_shift(book.positions, keep, 1)
    book.shift(delta)
    assert book.positions[0].tolist() == [
        [0, 1, 2, 3, 3, 3, 3], [0, 1, 2, 3, 3, 4, 4], [0, 1, 2, 3, 4, 3, 4]
    ]
    assert (delta[0] == delta[0, :1]).all()  # uniform over the three rows: one rotation


def test_mrope_uniform_shift_is_one_rotation_per_frequency():
    inv_freq = 1.0 / (10000 ** (torch.arange(0, 16, 2, dtype=torch.float) / 16))  # F = 8
    rows = torch.tensor([0, 0, 0, 1, 1, 2, 2, 2])  # t, h, w sections as M-RoPE assigns them
    mrope, plain = Rotation(inv_freq, rows), Rotation(inv_freq, torch.zeros(8, dtype=torch.long))
    uniform = torch.tensor([[5, -3], [5, -3], [5, -3]])  # [R=3, L=2]
    assert torch.allclose(mrope.angles(uniform), plain.angles(uniform[:1]))
    mixed = torch.tensor([[5], [1], [2]])  # per-row shifts drive their own frequencies
    assert mrope.angles(mixed)[0].tolist() == pytest.approx(
        (torch.tensor([5, 5, 5, 1, 1, 2, 2, 2]) * inv_freq).tolist()
    )


def test_moving_a_scaled_partial_rotary_key_equals_computing_it_there():
    """YaRN-style attention scaling s is applied once and stays; dimensions past the rotary
    part (partial rotary) do not move."""
    from transformers.models.qwen2.modeling_qwen2 import apply_rotary_pos_emb

    torch.manual_seed(0)
    head_dim, rotary_dim, scaling = 16, 8, 1.3
    inv_freq = 1.0 / (10000 ** (torch.arange(0, rotary_dim, 2, dtype=torch.float) / rotary_dim))
    key = torch.randn(1, 2, 3, head_dim)  # [B, H, L, D]

    def cached_at(position: torch.Tensor) -> torch.Tensor:
        freqs = position[:, None].float() * inv_freq
        emb = torch.cat([freqs, freqs], dim=-1)
        cos, sin = emb.cos()[None] * scaling, emb.sin()[None] * scaling
        rotated, _ = apply_rotary_pos_emb(key[..., :rotary_dim], key[..., :rotary_dim], cos, sin)
        return torch.cat([rotated, key[..., rotary_dim:]], dim=-1)

    old, new = torch.tensor([40, 41, 90]), torch.tensor([3, 4, 5])
    angles = Rotation(inv_freq, torch.zeros(4, dtype=torch.long)).angles((new - old)[None])
    moved = positions_module.rotate(cached_at(old), angles)
    assert (moved - cached_at(new)).abs().max() < 1e-5
    assert torch.equal(moved[..., rotary_dim:], key[..., rotary_dim:])


def test_sliding_equals_monotonic_until_a_frame_is_evicted(tiny_vlm, random_frames):
    frames = random_frames(5, seed=4)
    sliding, *_ = stream(tiny_vlm, EngineConfig(memory_size=8, position_mode="sliding"), frames)
    monotonic, *_ = stream(tiny_vlm, EngineConfig(memory_size=8, position_mode="monotonic"), frames)
    assert torch.equal(sliding.first_token_logits(QUESTION), monotonic.first_token_logits(QUESTION))
    assert sliding.positions_used == monotonic.positions_used
