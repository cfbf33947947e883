"""The text memory at its exact bounds: exactly ``max_lines`` lines or ``max_bytes`` bytes are
kept and one more evicts the least recently seen; the OCR-noise match at exactly two line heights
across and one pixel more, at six characters and five, within a fifth of the length and past it;
a better reading replaces a line's text only past +0.02; a line has left only when an area read
holds it whole (2 px of slack): one an area cuts was not really read."""

from __future__ import annotations

import pytest

from videoscan_core.screen_text.memory import TextMemory
from videoscan_core.screen_text.ocr import OcrLine
from videoscan_core.screen_text.reading import FrameReading
from videoscan_core.screen_text.retrieve import all_lines
from videoscan_core.screen_text.store import ROW_OVERHEAD


def show(memory, text, t, x=10, y=10, height=16, score=0.95, area=None):
    """One frame that read ``text`` in the area around it (nothing else was read)."""
    box = (x, y, x + 9 * len(text), y + height)
    reading = FrameReading((OcrLine(text, box, score),), (area or (0, y - 4, 4000, y + 30),))
    return memory.observe(reading, float(t))


def texts(memory) -> list[str]:
    return [line.text for line in all_lines(memory)]


def test_exactly_max_lines_are_kept_and_one_more_evicts_the_least_recently_seen():
    memory = TextMemory(max_lines=20, max_bytes=10**9)
    for i in range(20):
        show(memory, f"line number {i:02d}", i, y=40 * i)
    assert memory.size()[0] == 20 and memory.evicted == 0
    show(memory, "one line more", 20, y=900)
    lines, _ = memory.size()
    assert lines <= 20 and memory.evicted >= 1
    assert "line number 00" not in texts(memory) and "one line more" in texts(memory)


def test_exactly_max_bytes_are_kept_and_one_byte_more_evicts():
    text = "x" * 36  # 36 + ROW_OVERHEAD = 100 bytes a line
    assert len(text) + ROW_OVERHEAD == 100
    memory = TextMemory(max_lines=20, max_bytes=1000)
    for i in range(10):
        show(memory, f"{i}{text[1:]}", i, y=40 * i)
    assert memory.size() == (10, 1000) and memory.evicted == 0
    show(memory, "z", 10, y=900)  # 65 bytes more
    lines, size = memory.size()
    assert size <= 1000 and memory.evicted >= 1 and "z" in texts(memory)
    assert f"0{text[1:]}" not in texts(memory) and f"9{text[1:]}" in texts(memory)


@pytest.mark.parametrize("lines,size", [(0, 10), (10, 0)])
def test_bounds_start_at_one(lines, size):
    with pytest.raises(ValueError, match="at least 1"):
        TextMemory(max_lines=lines, max_bytes=size)
    TextMemory(max_lines=1, max_bytes=1)


@pytest.mark.parametrize("shift,same", [(32, True), (33, False), (-32, True), (-33, False)])
def test_ocr_noise_matches_within_two_line_heights_across(shift, same):
    memory = TextMemory()
    show(memory, "Build finished in 42 s", 0, x=100)
    show(memory, "Bui1d finished in 42 s", 1, x=100 + shift)  # a 16 px line: 2 x 16 = 32
    assert (len(all_lines(memory)) == 1) is same


def test_ocr_noise_needs_six_characters_and_the_same_length_within_a_fifth():
    memory = TextMemory()
    show(memory, "Hello!", 0)
    show(memory, "Hello", 1)  # five characters: too short to call noise (91% alike)
    assert len(all_lines(memory)) == 2
    memory = TextMemory()
    show(memory, "Hello", 0)
    show(memory, "Hello!", 1)  # six: noise
    assert texts(memory) == ["Hello"]
    for extra, same in (("xxxxx", True), ("xxxxxx", False)):
        memory = TextMemory()
        show(memory, "Deployment finished ok", 0)  # 20 characters without spaces
        show(memory, f"Deployment finished ok{extra}", 1)  # 5 more of 25: exactly a fifth
        assert (len(all_lines(memory)) == 1) is same, extra


def test_a_better_reading_replaces_the_text_only_past_two_hundredths():
    memory = TextMemory()
    show(memory, "Invoice 2043 paid", 0, score=0.5)
    show(memory, "Invoice 2043 pa1d", 1, score=0.52)  # exactly +0.02: kept as it was
    assert texts(memory) == ["Invoice 2043 paid"]
    show(memory, "Invoice 2043 pa1d", 2, score=0.5201)
    assert texts(memory) == ["Invoice 2043 pa1d"]


def test_a_line_leaves_only_when_an_area_read_holds_it_whole():
    memory = TextMemory()
    show(memory, "status bar text", 0, x=100, y=200)  # box 100..235 x 200..216
    memory.observe(FrameReading((), ((0, 0, 232, 1000),)), 1.0)  # cuts it: not really read
    assert all_lines(memory)[0].last_seen == 1.0  # still on screen
    memory.observe(FrameReading((), ((0, 0, 233, 1000),)), 2.0)  # holds it (2 px slack): gone
    memory.touch(3.0)
    assert all_lines(memory)[0].last_seen == 1.0
    memory = TextMemory()
    show(memory, "status bar text", 0, x=100, y=200)
    memory.observe(FrameReading((), ((0, 0, 4000, 213),)), 1.0)  # bottom edge 3 px above
    assert all_lines(memory)[0].last_seen == 1.0
    memory.observe(FrameReading((), ((0, 198, 4000, 214),)), 2.0)
    memory.touch(3.0)
    assert all_lines(memory)[0].last_seen == 1.0


def test_a_search_of_exactly_the_limit_passes_and_one_more_character_is_refused():
    from videoscan_core.errors import VideoScanError
    from videoscan_core.screen_text.retrieve import MAX_QUERY_CHARS, check_query

    assert check_query(" " + "a" * MAX_QUERY_CHARS + " ") == "a" * MAX_QUERY_CHARS  # stripped
    with pytest.raises(VideoScanError, match=f"{MAX_QUERY_CHARS + 1:,} characters; at most"):
        check_query("a" * (MAX_QUERY_CHARS + 1))
    assert check_query("7") == "7"  # one digit is something to look for
    with pytest.raises(VideoScanError, match="must be text"):
        check_query(None)


def test_blocks_that_fill_the_prompt_budget_exactly_are_kept_whole():
    from videoscan_core.events import SeenText
    from videoscan_core.screen_text.prompt import HEADER, block_line, fit_screen_text

    first, second = SeenText("Alice: lunch at noon?", 3.0, 4.0), SeenText("Build 42 passed", 9, 9)
    exact = len(HEADER) + len(block_line(first)) + 1 + len(block_line(second)) + 1
    assert fit_screen_text([first, second], max_chars=exact) == (first, second)
    assert fit_screen_text([first, second], max_chars=exact - 1) == (first,)  # one char short
    alone = len(HEADER) + len(block_line(first)) + 1
    assert fit_screen_text([first], max_chars=alone) == (first,)  # whole, not cut
    (cut,) = fit_screen_text([first], max_chars=alone - 1)
    assert cut.text == first.text[:-1]  # the best block is cut to fit rather than dropped
    counted = fit_screen_text([first, second], count_tokens=lambda text: len(text.split()),
                              max_tokens=len(f"{HEADER}\n{block_line(first)}".split()))  # fmt: skip
    assert counted == (first,)  # exactly the tokens of one block: the second does not fit
