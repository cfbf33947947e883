"""Real OCR on text drawn with real fonts: lines read exactly, only what changed is read, big
frames are read with bounded work, frames with no text or unreadable scripts do not break it."""

from __future__ import annotations

import numpy as np
import pytest

from videoscan_core.screen_text.draw import draw_text
from videoscan_core.screen_text.memory import line_key
from videoscan_core.screen_text.ocr import OcrEngine
from videoscan_core.screen_text.reading import read_frame
from videoscan_core.screen_text.regions import MAX_PIXELS, MAX_REGIONS, plan_reading

LINES = [
    ("error: cannot open 'config.yaml' (No such file)", 12, True),
    ("Flight LH4521 departs 14:35 from gate B22", 14, False),
    ("Order #A-77315 confirmed", 16, False),
    ("Alice: are we still on for 3pm?", 13, False),
]


@pytest.fixture(scope="module")
def engine():
    return OcrEngine()


def page(width=640, height=360):
    frame = np.full((height, width, 3), 245, np.uint8)
    for row, (text, size, mono) in enumerate(LINES):
        draw_text(frame, 24, 30 + row * 40, text, size, mono=mono)
    return frame


def test_lines_of_12_px_and_more_are_read_exactly(engine):
    reading = engine.read(page())
    assert sorted(line_key(line.text) for line in reading.lines) == sorted(
        line_key(text) for text, _, _ in LINES
    )
    assert all(line.box[0] >= 20 and line.box[2] <= 640 for line in reading.lines)


def test_only_the_changed_region_is_read_and_a_line_it_cuts_is_read_whole(engine):
    frame = page(1280, 720)
    draw_text(frame, 700, 600, "Build 4412 finished in 3 min 12 s", 14)
    # the change detector saw only the end of the new line (x 900..1000)
    reading = read_frame(engine, frame, [(900, 600, 100, 16)])
    assert [line.text for line in reading.lines] == ["Build 4412 finished in 3 min 12 s"]
    assert not reading.whole and reading.pixels < 1280 * 200
    x0, y0, x1, y1 = reading.lines[0].box
    assert abs(x0 - 700) <= 4 and abs(y0 - 600) <= 6


def test_blank_frames_and_unreadable_scripts_give_no_lines_and_no_error(engine):
    assert read_frame(engine, np.zeros((720, 1280, 3), np.uint8), None).lines == ()
    frame = np.full((120, 400, 3), 250, np.uint8)
    draw_text(frame, 10, 10, "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd", 20)  # Hebrew
    reading = engine.read(frame)
    assert all(line.score >= 0.5 for line in reading.lines)  # garbage is at least not trusted


def test_4k_and_8k_frames_are_read_with_bounded_work():
    for width, height in [(3840, 2160), (7680, 4320)]:
        plan = plan_reading(height, width, None)
        assert plan.whole and plan.pixels * plan.scale**2 <= MAX_PIXELS * 1.01
        scattered = [(x * 900, y * 500, 60, 20) for x in range(8) for y in range(8)]
        plan = plan_reading(height, width, scattered)
        assert len(plan.boxes) <= MAX_REGIONS
        assert plan.pixels * plan.scale**2 <= MAX_PIXELS * 1.01
    small = plan_reading(1080, 1920, [(100, 100, 200, 20)])
    assert small.scale == 1.0 and not small.whole and len(small.boxes) == 1


@pytest.mark.slow
def test_an_8k_frame_is_read_downscaled(engine):
    frame = np.full((4320, 7680, 3), 240, np.uint8)
    draw_text(frame, 200, 300, "Quarterly report 2026", 64)  # 64 px on an 8K screen (200%)
    reading = read_frame(engine, frame, None)
    assert reading.pixels <= MAX_PIXELS * 1.2  # + the tiles' overlap
    assert [line_key(line.text) for line in reading.lines] == ["quarterlyreport2026"]
