"""Re-rotating M-RoPE keys (position_mode="rerotate") on the tiny Qwen-VL models.

The adapters name the position row (t, h, w) that drives each frequency slot, read from the
decoder's own ``recomposition_frequencies``; re-rotation moves a cached key by that row's shift.
Checked against transformers' own rotary embedding and ``apply_rotary_pos_emb``.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import torch

from videoscan_core.adapters.loading import load_model
from videoscan_core.config import EngineConfig
from videoscan_core.stream.engine import StreamingEngine
from videoscan_core.stream.positions import Rotation, rerotate, rotate
from videoscan_core.tiny.qwen import QWEN_FAMILIES, make_tiny_qwen

QUESTION = "What is on the screen?"
MODULES = {"qwen2.5-vl": "qwen2_5_vl", "qwen3-vl": "qwen3_vl"}


@pytest.fixture(scope="module", params=QWEN_FAMILIES)
def vlm(request, tmp_path_factory):
    folder = make_tiny_qwen(tmp_path_factory.mktemp(request.param), request.param, seed=5)
    return load_model(folder, device="cpu", dtype="float32")


def _apply_rope(vlm, keys: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """transformers' rotation of ``keys [1, H, L, D]`` at ``positions [3, 1, L]``."""
    module = importlib.import_module(
        f"transformers.models.{MODULES[vlm.family]}.modeling_{MODULES[vlm.family]}"
    )
    cos, sin = vlm.decoder.rotary_emb(keys, positions)
    return module.apply_rotary_pos_emb(keys, keys, cos, sin)[1]


def test_row_of_frequency_follows_the_mrope_sections(vlm):
    rows = vlm.rotary().row_of_frequency.tolist()
    if vlm.family == "qwen2.5-vl":  # contiguous sections [2, 3, 3]
        assert rows == [0, 0, 1, 1, 1, 2, 2, 2]
    else:  # interleaved, sections [4, 2, 2]: h on 1, 4; w on 2, 5
        assert rows == [0, 1, 2, 0, 1, 2, 0, 0]


def test_moving_a_key_per_row_equals_rotating_it_there(vlm):
    torch.manual_seed(0)
    keys = torch.randn(1, 2, 7, vlm.head_dim)
    start = torch.randint(0, 50, (3, 1, 7))
    delta = torch.tensor([5, -3, 11]).view(3, 1, 1).expand(3, 1, 7)  # a different shift per row
    rotated = _apply_rope(vlm, keys, start)
    moved = rotate(rotated, Rotation.from_model(vlm).angles(delta[:, 0]))
    assert (moved - _apply_rope(vlm, keys, start + delta)).abs().max() < 1e-5
    wrong = Rotation(Rotation.from_model(vlm).inv_freq, torch.zeros(8, dtype=torch.long))
    assert (rotate(rotated, wrong.angles(delta[:, 0])) - moved).abs().max() > 1e-2


def _frames(count: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (30, 45, 3), dtype=np.uint8) for _ in range(count)]


def test_shifting_the_cache_and_the_question_together_changes_nothing(vlm):
    engine = StreamingEngine(vlm, EngineConfig(memory_size=3, position_mode="monotonic"))
    for index, frame in enumerate(_frames(5, seed=1)):
        engine.add_frame(frame, 0.5 * index)
    before = engine.first_token_logits(QUESTION)
    book = engine.positions
    book.truncate(engine.cache.length)
    shift = torch.full((book.num_layers, book.rows, book.length), 23, dtype=torch.long)
    with torch.inference_mode():  # the cache holds inference tensors
        rerotate(engine.cache, book, Rotation.from_model(vlm), shift)
    engine.positions_used += 23
    assert (engine.first_token_logits(QUESTION) - before).abs().max() <= 1e-5
    engine.positions_used -= 23  # only the cache moved: the answer changes
    assert (engine.first_token_logits(QUESTION) - before).abs().max() > 1e-2


class RawKeys:
    """Every layer's keys right before RoPE (after Qwen3's k_norm), token by token."""

    def __init__(self, vlm) -> None:
        self.keys: list[list[torch.Tensor]] = [[] for _ in vlm.decoder.layers]
        self.handles = []
        for index, layer in enumerate(vlm.decoder.layers):
            attention = layer.self_attn
            source = getattr(attention, "k_norm", None) or attention.k_proj
            self.handles.append(source.register_forward_hook(self._hook(index, vlm.head_dim)))

    def _hook(self, index: int, head_dim: int):
        def record(module, args, output):
            tokens = output[0].reshape(output.shape[1], -1, head_dim)  # [q, Hkv, hd]
            self.keys[index].extend(tokens.unbind(0))

        return record

    def close(self) -> None:
        for handle in self.handles:
            handle.remove()


def test_rerotated_keys_equal_keys_computed_at_their_recorded_positions(vlm):
    raw = RawKeys(vlm)
    engine = StreamingEngine(vlm, EngineConfig(memory_size=2, position_mode="rerotate"))
    chunk_start: dict[int, int] = {}  # frame -> feeding index of its chunk's first token
    carrier_source: dict[int, int] = {}  # frame -> feeding index of its carrier (chunk's last)
    try:
        for index, frame in enumerate(_frames(5, seed=3)):
            start = len(raw.keys[0])
            event = engine.add_frame(frame, 0.5 * index)
            chunk_start[event.frame_index] = start
            carrier_source[event.frame_index] = len(raw.keys[0]) - 1
    finally:
        raw.close()
    assert len(engine.bank) == 2
    system = engine.layout.system
    sources = list(range(system))
    for block in engine.layout.blocks:
        assert block.visual == "none"  # only carriers (and their time text) outlive their step
        if block.carrier:  # [time text][carrier]: the time text opens the frame's chunk
            first = chunk_start[block.frame_index]
            sources.extend(range(first, first + block.time_size))
            sources.append(carrier_source[block.frame_index])
    timed = vlm.family == "qwen3-vl"  # Qwen3-VL states a frame's time in text ('<t seconds>')
    assert all((block.time_size > 0) == timed for block in engine.layout.blocks)
    assert len(sources) == engine.cache.length
    positions = engine.positions.positions  # [layers, 3, L]
    # packed: the kept blocks follow the system text back to back, in stream order
    next_position, slot = system, system
    for block in engine.layout.blocks:
        kept = positions[0, :, slot : slot + block.size]  # [3, time + 1]
        assert int(kept[:, 0].min()) == next_position
        next_position, slot = int(kept.max()) + 1, slot + block.size
    for layer in range(vlm.num_layers):
        cached = engine.cache.layer_kv(layer)[0]  # [1, Hkv, L, hd]
        keys = torch.stack([raw.keys[layer][s] for s in sources], dim=1)[None]
        expected = _apply_rope(vlm, keys, positions[layer][:, None, :])
        assert (cached - expected).abs().max() <= 1e-5
