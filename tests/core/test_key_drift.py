"""Keys moved many times in a bfloat16 cache stay where one rotation would put them.

Under ``sliding`` (and ``rerotate``) a long-lived carrier's key is moved at almost every eviction
in front of it; turning the cached key each time rounds it to bfloat16 once per move, and small
rotations round back to the old value, so the error grows with the number of moves. A cache that
keeps each key as computed re-derives it with one rotation by the whole shift.

Those kept keys cost a third tensor per entry (1.5x the keys and values), and what the limits and
``videoscan models cost`` count is the cache the engine holds: kept keys exactly where the engine
keeps them (``config.keeps_original_keys``), in bytes pinned here for bfloat16 and float32."""

from __future__ import annotations

import pytest
import torch

from videoscan_core.config import POSITION_MODES, EngineConfig, keeps_original_keys
from videoscan_core.errors import VideoScanError
from videoscan_core.limits import cache_entries, check_against_model
from videoscan_core.stream.engine import StreamingEngine
from videoscan_core.stream.positions import PositionBook, Rotation, rerotate, rotate
from videoscan_core.stream.slot_cache import SlotCache

HEAD_DIM, SLOTS = 128, 6
INV_FREQ = 1.0 / (1e6 ** (torch.arange(0, HEAD_DIM, 2, dtype=torch.float32) / HEAD_DIM))
ROTATION = Rotation(INV_FREQ, torch.zeros(HEAD_DIM // 2, dtype=torch.long))


def cache_with_keys(original_keys: bool, dtype=torch.bfloat16):
    torch.manual_seed(0)
    keys = torch.randn(1, 2, SLOTS, HEAD_DIM)  # float32 truth, at positions 0..5
    cache = SlotCache(1, 8, original_keys=original_keys)
    cache.layers[0].update(keys.to(dtype), torch.zeros(1, 2, SLOTS, HEAD_DIM, dtype=dtype))
    book = PositionBook(1, 1, 8)
    book.append(torch.arange(SLOTS).view(1, 1, -1))
    return cache, book, keys


def move(cache, book, steps: list[int]) -> None:
    for step in steps:
        rerotate(cache, book, ROTATION, torch.full((1, 1, book.length), step, dtype=torch.long))


def error(cache, book, truth) -> float:
    total = (book.positions - book.origin)[0]  # [1, L]
    expected = rotate(truth, ROTATION.angles(total))
    got = cache.layer_kv(0)[0].float()
    return float((got - expected).norm() / expected.norm())


@pytest.mark.parametrize("original_keys", [True, False])
def test_two_thousand_moves_there_and_back_in_bfloat16(original_keys):
    cache, book, truth = cache_with_keys(original_keys)
    move(cache, book, [1, 2, -3] * 667)  # there in two moves, back in one
    drift = error(cache, book, truth)
    if original_keys:
        assert drift < 1e-2
    else:
        assert drift > 5e-2  # the defect the kept keys remove


def test_a_hundred_one_way_moves_stay_within_one_rounding():
    cache, book, truth = cache_with_keys(True)
    move(cache, book, [-80] * 100)
    assert int(book.positions[0, 0, 0]) == -8000
    assert error(cache, book, truth) < 1e-2
    plain, plain_book, _ = cache_with_keys(False)
    move(plain, plain_book, [-80] * 100)
    assert error(plain, plain_book, truth) > 2e-2


def test_kept_keys_follow_cuts_and_equal_turning_in_float32():
    exact, exact_book, _ = cache_with_keys(True, torch.float32)
    plain, plain_book, _ = cache_with_keys(False, torch.float32)
    for cache, book in ((exact, exact_book), (plain, plain_book)):
        move(cache, book, [3])
        cache.keep([0, 2, 5])
        book.keep([0, 2, 5])
        move(cache, book, [-7, 11])
    assert exact_book.origin[0, 0].tolist() == [0, 2, 5]
    assert torch.allclose(exact.layer_kv(0)[0], plain.layer_kv(0)[0], atol=1e-5)
    assert exact.nbytes() == plain.nbytes() * 3 // 2  # keys, values and the keys as computed


# -- what the kept keys cost --------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_bf16():
    """The tiny LLaVA-OneVision of ``tiny_vlm`` in bfloat16 (2 layers, 2 key/value heads of 8)."""
    from videoscan_core.adapters.llava_onevision import VisionLanguageModel
    from videoscan_core.tiny.llava import build_tiny_model

    model, tokenizer = build_tiny_model(seed=0, attn="sdpa")
    return VisionLanguageModel(model.to(torch.bfloat16), tokenizer)


@pytest.mark.parametrize("mode", POSITION_MODES)
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_the_bytes_counted_per_entry_are_those_the_engine_holds(mode, dtype, tiny_vlm, tiny_bf16):
    vlm = tiny_bf16 if dtype == "bfloat16" else tiny_vlm
    engine = StreamingEngine(vlm, EngineConfig(memory_size=3, position_mode=mode))
    for t in range(6):
        engine.add_visual_tokens(torch.randn(vlm.tokens_per_frame, vlm.hidden_size), float(t))
    kept = mode in ("rerotate", "sliding") and dtype == "bfloat16"
    assert engine.cache.original_keys == keeps_original_keys(mode, vlm.dtype) == kept
    assert engine.cache.nbytes() == engine.cache.length * vlm.kv_bytes_per_entry(mode)


def test_the_memory_check_counts_kept_keys_in_bfloat16_rerotate_and_not_in_float32(
    tiny_vlm, tiny_bf16
):
    # 2 layers x 2 key/value heads x 8: K, V and K as computed in bfloat16; K and V in float32
    assert tiny_bf16.kv_bytes_per_entry("rerotate") == 3 * 2 * 2 * 8 * 2 == 192
    assert tiny_bf16.kv_bytes_per_entry("compact") == tiny_bf16.kv_bytes_per_entry() == 128
    assert tiny_vlm.kv_bytes_per_entry("rerotate") == 2 * 2 * 2 * 8 * 4 == 256
    config = EngineConfig(memory_size=4, position_mode="rerotate")
    entries = cache_entries(config, tiny_vlm.tokens_per_frame)
    for vlm, needed in ((tiny_bf16, entries * 192), (tiny_vlm, entries * 256)):
        least = -(-10 * needed // 9)  # the least free memory of which 90 % holds the cache
        check_against_model(vlm, config, free_bytes=least + 1)
        with pytest.raises(VideoScanError, match="GB for its cache"):
            check_against_model(vlm, config, free_bytes=least - 1)
