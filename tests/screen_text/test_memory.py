"""The text memory: one entry per line however often it is seen, first/last seen times, blocks
by layout, bounds held over a long stream, the persistent history; search and retrieval."""

from __future__ import annotations

import pytest

from videoscan_core.errors import VideoScanError
from videoscan_core.screen_text.memory import TextMemory
from videoscan_core.screen_text.ocr import OcrLine
from videoscan_core.screen_text.reading import FrameReading
from videoscan_core.screen_text.retrieve import (
    MAX_QUERY_CHARS,
    all_lines,
    check_query,
    relevant,
    search,
    seen_between,
)

WHOLE = (0, 0, 1280, 720)


def line(text, x, y, height=16, width=None):
    return OcrLine(text, (x, y, x + (width or 9 * len(text)), y + height), 0.95)


def frame(*lines, areas=(WHOLE,), whole=None):
    return FrameReading(
        tuple(lines), tuple(areas), whole=areas == (WHOLE,) if whole is None else whole
    )


def test_a_line_seen_on_many_frames_is_one_entry_despite_ocr_noise():
    memory = TextMemory()
    readings = [
        "Build 4412 finished in 3 min",
        "Bui1d 4412 finished in 3 min",
        "Build 4412 finished  in 3 min",
        "BUILD 4412 finished in 3 min",
    ]
    for t, text in enumerate(readings):
        memory.observe(frame(line(text, 40, 100 + t)), float(t))  # it jitters by a pixel too
    lines = all_lines(memory)
    assert [(seen.first_seen, seen.last_seen) for seen in lines] == [(0.0, 3.0)]
    memory.observe(frame(line("Build 4413 finished in 3 min", 40, 100)), 4.0)
    assert len(all_lines(memory)) == 2  # another number is another line, however alike


def test_lines_outside_what_changed_stay_seen_and_lines_read_over_have_left():
    memory = TextMemory()
    memory.observe(frame(line("Inbox (3)", 20, 20), line("Meeting at 10:30 in room 4", 20, 400)), 0)
    region = (0, 380, 1280, 440)  # only the lower area changed at t=5: the meeting line left
    memory.observe(frame(line("Lunch order: pad thai", 20, 400), areas=(region,)), 5)
    memory.touch(9.0, "0")  # an unchanged frame
    seen = {s.text: (s.first_seen, s.last_seen) for s in all_lines(memory)}
    assert seen == {
        "Inbox (3)": (0, 9.0),
        "Meeting at 10:30 in room 4": (0, 0),
        "Lunch order: pad thai": (5, 9.0),
    }
    assert [s.text for s in seen_between(memory, 1, 4)] == ["Inbox (3)"]


def test_a_sender_travels_with_the_message_and_a_terminal_is_cut_into_blocks():
    memory = TextMemory()
    chat = [
        line("Alice", 40, 100),
        line("The order number is A-77315", 40, 120),
        line("Bob", 40, 170),
        line("thanks!", 40, 190),
    ]
    terminal = [line(f"output line {i}", 700, 100 + 18 * i) for i in range(12)]
    memory.observe(frame(*chat, *terminal), 3.0)
    blocks = relevant(memory, "What order number did Alice send?", "0")
    assert blocks[0].text == "Alice\nThe order number is A-77315"
    texts = [b.text for b in relevant(memory, "output line", "0")]
    assert all(len(text.splitlines()) <= 5 for text in texts)


def test_a_second_identical_sender_line_is_its_own_entry():
    memory = TextMemory()
    memory.observe(frame(line("Alice", 40, 100), line("first", 40, 120)), 1)
    memory.observe(
        frame(
            line("Alice", 40, 100),
            line("first", 40, 120),
            line("Alice", 40, 170),
            line("second message", 40, 190),
        ),
        2,
    )
    assert relevant(memory, "second message", "0")[0].text == "Alice\nsecond message"


def test_the_bound_holds_over_a_long_stream_and_the_least_recently_seen_go_first():
    memory = TextMemory(max_lines=200, max_bytes=30_000)
    header = line("Dashboard - always on screen", 10, 5)
    for t in range(2000):
        ticker = line(f"event {t} happened at step {t * 7}", 10, 300 + (t % 20) * 20)
        memory.observe(frame(header, ticker, areas=((0, 290, 1280, 720),)), float(t))
        lines, size = memory.size()
        assert lines <= 200 and size <= 30_000
    kept = [s.text for s in all_lines(memory)]
    assert "Dashboard - always on screen" in kept  # seen on every frame: never the oldest
    assert "event 1999 happened at step 13993" in kept and "event 5 happened at step 35" not in kept
    assert memory.evicted >= 1800


def test_a_new_session_starts_with_nothing_on_screen():
    memory = TextMemory()
    memory.observe(frame(line("video one title", 10, 10)), 0, session="1")
    memory.observe(frame(line("video one title", 10, 10)), 0, session="2")
    assert len(all_lines(memory)) == 2 and len(all_lines(memory, "2")) == 1
    assert relevant(memory, "title", "2")[0].first_seen == 0


def test_search_finds_phrases_and_words_whatever_their_case_and_form():
    memory = TextMemory()
    memory.observe(
        frame(
            line("Flight LH4521 departs 14:35 from gate B22", 10, 10),
            line("error: cannot open 'config.yaml'", 10, 60),
        ),
        7,
    )
    hits = search(memory, "GATE b22")
    assert [(h.text, h.first_seen) for h in hits] == [
        ("Flight LH4521 departs 14:35 from gate B22", 7)
    ]
    assert search(memory, "departing") and search(memory, "config yaml")
    assert search(memory, "lh4521 gate") == []  # not a phrase there
    assert search(memory, 'quote" OR x') == []  # query syntax is text, not FTS operators


@pytest.mark.parametrize("query", ["", "   ", "?!", "x" * (MAX_QUERY_CHARS + 1)])
def test_empty_and_huge_queries_are_refused_in_one_line(query):
    with pytest.raises(VideoScanError) as error:
        check_query(query)
    assert "\n" not in str(error.value)
    with pytest.raises(VideoScanError):
        search(TextMemory(), query)


def test_relevant_blocks_rank_words_then_recency_or_else_the_newest():
    memory = TextMemory()
    memory.observe(frame(line("Your verification code is 482913", 10, 10)), 10)
    memory.observe(frame(line("Weather: sunny, 21 degrees", 10, 200)), 20)
    memory.observe(frame(line("Now playing: Blue in Green", 10, 400)), 30)
    memory.observe(frame(line("Your previous code was 100200", 10, 600)), 35)
    blocks = relevant(memory, "What was the verification code?", "0", now=40)
    assert [b.text for b in blocks] == [
        "Your verification code is 482913",  # both words
        "Your previous code was 100200",  # one word: after it, however recent
    ]  # nothing unrelated beside them
    newest = relevant(memory, "What is on the screen now?", "0", now=40)  # no word to match
    assert [b.text for b in newest] == [
        "Your previous code was 100200",
        "Now playing: Blue in Green",
        "Weather: sunny, 21 degrees",
    ]
    assert relevant(memory, "x" * 100_000, "0")  # a huge question is bounded, not an error


def test_the_same_words_later_elsewhere_are_a_new_line_but_a_flicker_is_not():
    memory = TextMemory()
    region = (0, 90, 1280, 130)
    memory.observe(frame(line("thanks!", 40, 100)), 1)
    memory.observe(frame(areas=(region,)), 2)  # it left (read over, not there)
    memory.observe(frame(line("thanks!", 40, 101), areas=(region,)), 3)  # back at its place
    memory.observe(frame(areas=(region,)), 4)
    memory.observe(frame(line("thanks!", 40, 400), areas=((0, 380, 1280, 420),)), 9)
    assert [(s.first_seen, s.last_seen) for s in all_lines(memory)] == [(1, 3), (9, 9)]


@pytest.mark.parametrize(
    ("dx", "dy", "same"),
    [
        (32, 0, True),  # up to two line heights sideways (16 px lines): back at its place
        (33, 0, False),
        (-32, 0, True),
        (0, 16, True),  # up to one line height up or down
        (0, 17, False),
        (0, -17, False),
        (32, 16, True),
    ],
)
def test_a_line_that_left_is_back_at_its_place_within_two_heights_across_one_down(dx, dy, same):
    memory = TextMemory()
    region = (0, 0, 1280, 300)
    memory.observe(frame(line("thanks!", 100, 100)), 1)
    memory.observe(frame(areas=(region,)), 2)  # it left (read over, not there)
    memory.observe(frame(line("thanks!", 100 + dx, 100 + dy), areas=(region,)), 3)
    times = [(s.first_seen, s.last_seen) for s in all_lines(memory)]
    assert times == ([(1, 3)] if same else [(1, 1), (3, 3)])


def test_the_persistent_history_survives_a_restart_keeps_retention_and_clears(tmp_path):
    path = tmp_path / "history" / "screen_text.sqlite"
    memory = TextMemory(path=path)
    memory.observe(frame(line("kept across restarts", 10, 10)), 1)
    memory.close()
    again = TextMemory(path=path, retention_days=30)
    assert [s.text for s in all_lines(again)] == ["kept across restarts"]
    again.close()
    expired = TextMemory(path=path, retention_days=0)
    assert all_lines(expired) == []
    expired.observe(frame(line("new", 10, 10)), 1)
    expired.clear()
    assert all_lines(expired) == [] and expired.size() == (0, 0)
    expired.close()


def test_nothing_is_written_to_disk_without_a_history(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    memory = TextMemory()
    memory.observe(frame(line("secret", 10, 10)), 1)
    assert list(tmp_path.iterdir()) == []


def test_a_new_line_never_takes_over_an_identical_one_left_untouched_elsewhere():
    memory = TextMemory()
    memory.observe(frame(line("Farah", 40, 100), line("ok, on it", 40, 120)), 1)
    new_message = (0, 190, 1280, 240)  # only the new message's area changed and was read
    memory.observe(frame(line("Farah", 40, 200), line("dinner at 7", 40, 220),
                         areas=(new_message,)), 5)  # fmt: skip
    assert relevant(memory, "dinner", "0")[0].text == "Farah\ndinner at 7"
    assert [(s.text, s.first_seen, s.last_seen) for s in all_lines(memory)] == [
        ("Farah", 1, 5), ("ok, on it", 1, 5), ("Farah", 5, 5), ("dinner at 7", 5, 5),
    ]  # fmt: skip
