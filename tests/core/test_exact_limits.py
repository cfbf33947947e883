"""The input limits of ``videoscan_core.limits`` at their exact boundary: the largest value that
passes and the smallest that is refused, for every ``<``/``<=`` decision (a check written with the
other comparison fails here). Fake models with uneven sizes, so a swapped term changes the sum."""

from __future__ import annotations

import pytest
import torch

from videoscan_core.config import EngineConfig
from videoscan_core.errors import VideoScanError
from videoscan_core.limits import (
    FIXED_ENTRIES,
    MAX_IMAGE_PIXELS,
    MAX_MEMORY,
    MAX_QUESTION_CHARS,
    MAX_VISION_BATCH,
    cache_entries,
    check_against_model,
    check_memory,
    check_numbers,
    check_pixels,
    check_question,
    check_text,
    fit_positions,
    position_need,
)


class Model:
    """What the limits read of a family adapter; every size differs from the others."""

    def __init__(self, limit=0, tokens=10, place=13, time=2, kv=1):
        self.max_position_embeddings = limit
        self.tokens_per_frame = tokens
        self._place, self._time, self._kv = place, time, kv
        self.device = torch.device("cpu")
        self.tokenized: list[str] = []

    def frame_place(self) -> int:
        return self._place

    def time_entries(self) -> int:
        return self._time

    def kv_bytes_per_entry(self, position_mode: str | None = None) -> int:
        return self._kv

    def tokenize(self, text: str) -> torch.Tensor:  # one token per word
        self.tokenized.append(text)
        return torch.zeros((1, len(text.split())), dtype=torch.long)


# -- numbers before the model loads -----------------------------------------------------------
@pytest.mark.parametrize("fps", [1e-9, 0.5, 240.0])
def test_any_positive_finite_fps_passes(fps):
    check_numbers(1, fps)


@pytest.mark.parametrize("fps", [0.0, -1e-9, float("inf"), float("-inf"), float("nan")])
def test_fps_at_zero_or_not_finite_is_refused(fps):
    with pytest.raises(VideoScanError, match="--fps"):
        check_numbers(1, fps)


@pytest.mark.parametrize("memory", [1, MAX_MEMORY])
def test_memory_at_both_ends_passes(memory):
    check_numbers(memory, 1.0)
    check_memory(memory)


@pytest.mark.parametrize("memory", [0, MAX_MEMORY + 1, True, 2.0, "64", None])
def test_memory_one_past_either_end_or_not_an_int_is_refused(memory):
    with pytest.raises(VideoScanError, match=f"at least 1 and at most {MAX_MEMORY}"):
        check_memory(memory, "--memory")


@pytest.mark.parametrize("batch,ok", [(1, True), (MAX_VISION_BATCH, True), (0, False),
                                      (MAX_VISION_BATCH + 1, False)])  # fmt: skip
def test_vision_batch_boundaries(batch, ok):
    if ok:
        check_numbers(1, 1.0, vision_batch=batch)
    else:
        with pytest.raises(VideoScanError, match="--vision-batch"):
            check_numbers(1, 1.0, vision_batch=batch)


@pytest.mark.parametrize("name", ["keep_topk", "recent_frames"])
def test_keep_topk_and_recent_frames_start_at_zero(name):
    check_numbers(1, 1.0, **{name: 0})
    with pytest.raises(VideoScanError, match=">= 0"):
        check_numbers(1, 1.0, **{name: -1})


@pytest.mark.parametrize("device", ["cuda:0", "cuda:12"])
def test_numbered_cuda_devices_pass(device):
    check_numbers(1, 1.0, device=device)


@pytest.mark.parametrize("device", ["cuda:", "cuda:x", "cpu0", " cpu", "CPU", "mps:0"])
def test_near_miss_device_names_are_refused(device):
    with pytest.raises(VideoScanError, match="--device"):
        check_numbers(1, 1.0, device=device)


@pytest.mark.parametrize("dtype,ok", [(None, True), ("float32", True), ("bfloat16", False),
                                      ("float16", False)])  # fmt: skip
def test_int8_only_in_float32(dtype, ok):
    if ok:
        check_numbers(1, 1.0, quantize="int8", dtype=dtype)
    else:
        with pytest.raises(VideoScanError, match="int8"):
            check_numbers(1, 1.0, quantize="int8", dtype=dtype)
    check_numbers(1, 1.0, quantize="none", dtype="float16")  # only int8 is tied to float32


# -- text and pixels --------------------------------------------------------------------------
def test_a_question_of_exactly_the_limit_passes_and_one_more_character_is_refused():
    check_text("x" * MAX_QUESTION_CHARS)
    with pytest.raises(VideoScanError, match=f"{MAX_QUESTION_CHARS + 1:,} characters"):
        check_text("x" * (MAX_QUESTION_CHARS + 1))
    check_text("abc", limit=3)
    with pytest.raises(VideoScanError, match="^the name is too long"):
        check_text("abcd", "the name", limit=3)


def test_pixels_at_exactly_the_limit_pass_whatever_the_shape():
    side = int(MAX_IMAGE_PIXELS**0.5)
    check_pixels(side, side)
    check_pixels(4 * side, side // 4)  # a wide strip of exactly as many pixels
    check_pixels(side // 4, 4 * side)  # and a tall one


@pytest.mark.parametrize("width,height", [(8193, 8192), (8192, 8193), (16385, 4096),
                                          (4096, 16385)])  # fmt: skip
def test_one_row_or_column_more_is_refused_and_named_width_by_height(width, height):
    with pytest.raises(VideoScanError, match=f"is {width}x{height} pixels; at most 8192x8192"):
        check_pixels(width, height, "the image")


def test_a_header_with_an_absurd_size_is_said_in_words():
    with pytest.raises(VideoScanError, match="image is larger;"):
        check_pixels(2**31 - 1, 2**31 - 1, "image")


# -- the cache a stream reserves --------------------------------------------------------------
def test_cache_entries_count_each_term_once():
    config = EngineConfig(memory_size=5, keep_topk=3, recent_frames=2)
    # 5 carriers x (1 + 3 top-k + 2 time) + 3 frames of the recent window x (10 + 1)
    assert cache_entries(config, 10, 2) == FIXED_ENTRIES + 5 * 6 + 3 * 11
    assert cache_entries(config, 10) == FIXED_ENTRIES + 5 * 4 + 3 * 11
    full = config.replace(carrier=False, keep_topk=0)  # every frame's tokens, no time apart
    assert cache_entries(full, 10, 2) == FIXED_ENTRIES + 5 * 10 + 3 * 11
    assert cache_entries(EngineConfig(memory_size=None), 10) == FIXED_ENTRIES + 64 + 11


def test_keep_topk_may_equal_the_tokens_of_a_frame_but_not_exceed_them():
    model = Model(tokens=10)
    check_against_model(model, EngineConfig(memory_size=1, keep_topk=10), free_bytes=0)
    with pytest.raises(VideoScanError, match="--keep-topk 11 is more than the 10 visual tokens"):
        check_against_model(model, EngineConfig(memory_size=1, keep_topk=11), free_bytes=0)


def test_the_cache_may_fill_the_positions_exactly():
    config = EngineConfig(memory_size=7, keep_topk=1, recent_frames=1)
    entries = cache_entries(config, 10, 2)  # the time text is counted against the positions
    check_against_model(Model(limit=entries), config, free_bytes=0)
    with pytest.raises(VideoScanError, match=f"needs {entries:,} cache entries"):
        check_against_model(Model(limit=entries - 1), config, free_bytes=0)
    check_against_model(Model(limit=0), config, free_bytes=0)  # no limit known: no check


def test_the_cache_may_take_exactly_nine_tenths_of_the_free_memory():
    config = EngineConfig(memory_size=7)
    entries = cache_entries(config, 10, 2)
    model = Model(kv=9)
    free = entries * 10  # 0.9 x free = entries x 9 bytes, exactly (checked)
    assert 0.9 * free == entries * 9
    check_against_model(model, config, free_bytes=free)
    with pytest.raises(VideoScanError, match="GB for its cache"):
        check_against_model(model, config, free_bytes=free - 1)


# -- the question against the context ---------------------------------------------------------
def test_an_answer_needs_at_least_one_position_of_room():
    config = EngineConfig(memory_size=4)
    entries = cache_entries(config, 10, 2)
    model = Model(limit=entries + 100)
    check_question(model, "one", config, 99)  # room 1: a one-token question fits
    with pytest.raises(VideoScanError, match="an answer of 100 tokens does not fit"):
        check_question(model, "one", config, 100)  # room 0


def test_a_question_may_fill_the_room_exactly():
    config = EngineConfig(memory_size=4)
    model = Model(limit=cache_entries(config, 10, 2) + 50)
    check_question(model, "w " * 40, config, 10)  # 40 tokens in a room of 40
    with pytest.raises(VideoScanError, match=r"too long \(41 tokens\).*room for 40 tokens"):
        check_question(model, "w " * 41, config, 10)


def test_only_a_question_over_eight_characters_per_position_skips_the_tokenizer():
    config = EngineConfig(memory_size=1)
    limit = cache_entries(config, 10, 2) + 10
    model = Model(limit=limit)
    with pytest.raises(VideoScanError, match="tokens"):  # tokenized: counted in tokens
        check_question(model, "x " * (4 * limit), config, 1)
    assert len(model.tokenized) == 1
    with pytest.raises(VideoScanError, match=f"{8 * limit + 1:,} characters"):
        check_question(model, "x" * (8 * limit + 1), config, 1)
    assert len(model.tokenized) == 1  # not tokenized
    check_question(Model(limit=0), "x" * 10**6, config, 10**6)  # no limit known: no check


# -- positions each mode reaches --------------------------------------------------------------
def test_position_need_per_mode():
    model = Model(tokens=10, place=13, time=2)
    base = EngineConfig(memory_size=5, keep_topk=1, recent_frames=2)
    assert position_need(model, base.replace(position_mode="monotonic")) is None
    # sliding: a whole frame's place for each of M + r + 1 frames
    assert position_need(model, base.replace(position_mode="sliding")) == FIXED_ENTRIES + 8 * 13
    for mode in ("compact", "rerotate"):  # the cache's entries, time text included
        assert position_need(model, base.replace(position_mode=mode)) == cache_entries(
            base, 10, 2
        )


def test_settings_reaching_exactly_the_limit_are_kept_one_more_position_is_not():
    config = EngineConfig(memory_size=5, recent_frames=2, position_mode="sliding")
    need = FIXED_ENTRIES + 8 * 13
    assert fit_positions(Model(limit=need), config) == (config, None)
    fitted, note = fit_positions(Model(limit=need - 1), config)
    assert fitted == config.replace(position_mode="rerotate")
    assert note == (
        f"sliding positions for memory 5 and 2 recent frames reach {need:,}, past this "
        f"model's {need - 1:,}: using rerotate positions (bounded by the cache) instead"
    )
    assert fit_positions(Model(limit=0), config) == (config, None)  # no limit known


def test_a_memory_no_mode_fits_shrinks_to_exactly_the_largest_that_fits():
    model = Model(tokens=10, place=13, time=2)
    config = EngineConfig(memory_size=1000, keep_topk=3, recent_frames=2)
    # per carrier 1 + 3 + 2 = 6 entries; the recent window 3 x 11; room for exactly 17 carriers
    limit = FIXED_ENTRIES + 3 * 11 + 17 * 6 + 5
    model.max_position_embeddings = limit
    for mode, after in (("compact", "compact"), ("rerotate", "rerotate"), ("sliding", "rerotate")):
        fitted, note = fit_positions(model, config.replace(position_mode=mode))
        assert (fitted.memory_size, fitted.position_mode) == (17, after), mode
        assert note.endswith(f": {after} positions and memory 17 instead")
        assert position_need(model, fitted) <= limit
        assert position_need(model, fitted.replace(memory_size=18)) > limit
    full = config.replace(carrier=False, keep_topk=0, position_mode="compact")  # 10 a frame
    model.max_position_embeddings = FIXED_ENTRIES + 3 * 11 + 4 * 10
    assert fit_positions(model, full)[0].memory_size == 4


def test_when_not_even_one_carrier_fits_it_is_refused_in_one_line():
    config = EngineConfig(memory_size=10, keep_topk=3, recent_frames=2, position_mode="compact")
    one = FIXED_ENTRIES + 3 * 11 + 6
    assert fit_positions(Model(limit=one), config)[0].memory_size == 1
    with pytest.raises(VideoScanError, match="no memory fits with 2 recent frames"):
        fit_positions(Model(limit=one - 1), config)
