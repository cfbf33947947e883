"""Geometry with different sizes and scales per axis, so that swapping x and y, width and height,
or the two pads fails: the privacy guard's black-out on a frame scaled 2x across and 3x down,
a region fitted to a wide screen, the change detector's small-box bound and working scale at
their exact boundaries, the screen-text reading plan (pads, clipping, the whole-frame fraction,
the region count, the pixel budget), mapping boxes back, tiles, cut edges and bands, and Qwen-VL
frame sizes of portrait and landscape frames."""

from __future__ import annotations

import math

import numpy as np
import pytest

from videoscan_core.capture.change_detector import SMALL_BOX, WORK_LONG_SIDE, ChangeDetector
from videoscan_core.capture.privacy.guard import black_out
from videoscan_core.capture.region_fit import fit_region
from videoscan_core.screen_text import regions
from videoscan_core.screen_text.regions import (
    EDGE,
    MAX_PIXELS,
    MAX_REGIONS,
    OVERLAP,
    PAD_X,
    PAD_Y,
    TILE_PIXELS,
    TILE_WIDTH,
    band,
    crop,
    cut_sides,
    plan_reading,
    tiles,
    to_frame,
)


# -- the privacy guard --------------------------------------------------------------------------
def test_black_out_scales_each_axis_by_its_own_factor():
    area = {"left": 100, "top": 50, "width": 200, "height": 100}  # screen coordinates
    frame = np.full((300, 400, 3), 255, np.uint8)  # 2x across, 3x down
    assert black_out(frame, area, [(110, 60, 20, 10)]) == 1
    black = np.argwhere(frame[:, :, 0] == 0)
    (top, left), (bottom, right) = black.min(axis=0), black.max(axis=0)
    assert (left, top, right + 1, bottom + 1) == (20, 30, 60, 60)  # x: 10..30 x2, y: 10..20 x3


def test_black_out_rounds_outward_and_clips_each_side():
    area = {"left": 0, "top": 0, "width": 30, "height": 20}
    frame = np.full((40, 90, 3), 255, np.uint8)  # 3x across, 2x down
    assert black_out(frame, area, [(0.5, 0.5, 1, 1)]) == 1  # a fraction: covered, never shrunk
    assert (frame[1:3, 1:5] == 0).all() and frame[0, :].min() == 255 and frame[:, 0].min() == 255
    frame[:] = 255
    assert black_out(frame, area, [(25, -5, 100, 10)]) == 1  # off the right and top edges
    assert (frame[0:10, 75:90] == 0).all() and frame[10, 75:].min() == 255
    assert frame[:, 74].min() == 255
    assert black_out(frame, area, [(30, 0, 5, 5), (0, 20, 5, 5)]) == 0  # just off: untouched


# -- regions and screens ------------------------------------------------------------------------
def test_a_region_on_a_wide_screen_is_clipped_per_axis():
    screen = {"left": -1920, "top": 0, "width": 3840, "height": 1080}  # two side by side
    assert fit_region((1800, 1000, 300, 200), screen) == {
        "left": 1800, "top": 1000, "width": 120, "height": 80,
    }  # fmt: skip
    assert fit_region((-2000, -30, 100, 50), screen) == {
        "left": -1920, "top": 0, "width": 20, "height": 20,
    }  # fmt: skip
    assert fit_region((1919, 1079, 5, 5), screen)["width"] == 1  # the last pixel of each axis
    for outside in ((1920, 0, 10, 10), (0, 1080, 10, 10), (-1930, 0, 10, 10), (0, -10, 10, 10)):
        with pytest.raises(ValueError, match="lies outside the screen"):
            fit_region(outside, screen)


# -- the change detector ------------------------------------------------------------------------
def changed(height, width, x, y, w, h) -> list:
    detector = ChangeDetector(threshold=0.5)  # only local changes count
    first = np.full((height, width, 3), 200, np.uint8)
    detector.is_static(first)
    second = first.copy()
    second[y : y + h, x : x + w] = 20
    detector.is_static(second)
    return detector.last_regions


def test_a_change_is_a_region_only_past_the_small_box_on_either_axis():
    assert SMALL_BOX == (44, 30)
    assert changed(600, 800, 96, 200, 44, 30) == []  # caret or clock sized
    assert changed(600, 800, 96, 200, 45, 30) == [(96, 200, 45, 30)]  # wider
    assert changed(600, 800, 96, 200, 44, 31) == [(96, 200, 44, 31)]  # taller


def test_frames_past_the_working_long_side_are_compared_smaller_and_boxes_scaled_back():
    assert changed(300, WORK_LONG_SIDE, 400, 104, 160, 40) == [(400, 104, 160, 40)]  # factor 1
    ((x, y, w, h),) = changed(300, WORK_LONG_SIDE + 1, 400, 104, 160, 40)  # factor 2
    assert abs(x - 400) <= 2 and abs(y - 104) <= 2 and abs(w - 160) <= 4 and abs(h - 40) <= 4
    ((x, y, w, h),) = changed(WORK_LONG_SIDE * 3, 200, 40, 2400, 60, 300)  # portrait: factor 3
    assert abs(x - 40) <= 3 and abs(y - 2400) <= 3 and abs(w - 60) <= 6 and abs(h - 300) <= 6


# -- what screen text reads ---------------------------------------------------------------------
def test_changed_boxes_are_padded_more_across_than_down_and_clipped():
    assert (PAD_X, PAD_Y) == (160, 24)
    plan = plan_reading(1080, 1920, [(500, 300, 40, 10)])
    assert plan.boxes == ((340, 276, 700, 334),) and not plan.whole and plan.scale == 1.0
    plan = plan_reading(1080, 1920, [(10, 5, 20, 10), (1900, 1070, 15, 8)])
    assert plan.boxes == ((0, 0, 190, 39), (1740, 1046, 1920, 1080))


def test_no_changes_or_an_empty_box_mean_the_whole_frame():
    for boxes in (None, [], [(0, 0, 0, 0)], [(10, 10, 5, 0)], [(5, 5, 10, 10), (0, 0, 0, 0)]):
        plan = plan_reading(720, 1280, boxes)
        assert plan.whole and plan.boxes == ((0, 0, 1280, 720),)


def test_boxes_that_touch_are_joined_and_more_than_the_most_are_joined_closest_first():
    plan = plan_reading(1080, 1920, [(400, 300, 10, 10), (400 + 10 + 2 * PAD_X, 300, 10, 10)])
    assert plan.boxes == ((240, 276, 900, 334),)  # padded boxes that touch at x = 570: one box
    apart = plan_reading(1080, 1920, [(400, 300, 10, 10), (401 + 10 + 2 * PAD_X, 300, 10, 10)])
    assert apart.boxes == ((240, 276, 570, 334), (571, 276, 901, 334))  # one pixel apart: two
    scattered = [(x * 200 + 40, y * 120 + 30, 4, 4) for x in range(5) for y in range(2)]
    plan = plan_reading(4000, 8000, [(x * 700, y * 1500, 4, 4) for x in range(5) for y in (0, 2)])
    assert len(plan.boxes) == MAX_REGIONS and not plan.whole
    plan = plan_reading(1080, 1920, scattered)
    assert len(plan.boxes) <= MAX_REGIONS


def test_regions_over_the_whole_fraction_read_the_whole_frame(monkeypatch):
    monkeypatch.setattr(regions, "PAD_X", 0)
    monkeypatch.setattr(regions, "PAD_Y", 0)
    exact = plan_reading(100, 200, [(0, 0, 200, 60)])  # exactly 0.6 of the frame
    assert not exact.whole and exact.boxes == ((0, 0, 200, 60),)
    over = plan_reading(100, 200, [(0, 0, 200, 61)])
    assert over.whole and over.boxes == ((0, 0, 200, 100),)


def test_the_pixel_budget_scales_a_large_plan_and_leaves_one_at_the_budget():
    assert MAX_PIXELS == 1920 * 1088
    assert plan_reading(1088, 1920, None).scale == 1.0
    plan = plan_reading(2160, 3840, None)
    assert plan.scale == pytest.approx(math.sqrt(MAX_PIXELS / (3840 * 2160)))
    wide = plan_reading(1088, 1921, None)
    assert wide.scale < 1.0


def test_a_crop_is_cut_per_axis_and_boxes_map_back_to_the_frame():
    frame = np.zeros((400, 1000, 3), np.uint8)
    frame[100:300, 200:800, 0] = 255
    part = crop(frame, (200, 100, 800, 300), 1.0)
    assert part.shape == (200, 600, 3) and part[:, :, 0].min() == 255
    assert crop(frame, (200, 100, 800, 300), 0.5).shape == (100, 300, 3)
    region = (100, 40, 700, 400)
    assert to_frame((10, 20, 30, 25), region, 1.0) == (110, 60, 130, 65)
    assert to_frame((10, 20, 31, 25), region, 0.5) == (120, 80, 162, 90)  # floor, then ceil
    assert to_frame((0, 0, 400, 400), region, 0.5) == (100, 40, 700, 400)  # clipped to it


def test_tiles_cover_a_wide_and_a_tall_image_within_their_bounds():
    for width, height in ((5000, 700), (1200, 3000), (800, 600), (TILE_WIDTH, 200)):
        boxes = tiles(width, height)
        covered = np.zeros((height, width), bool)
        for x0, y0, x1, y1 in boxes:
            assert x1 - x0 <= TILE_WIDTH and (x1 - x0) * (y1 - y0) <= TILE_PIXELS + width * 2
            covered[y0:y1, x0:x1] = True
        assert covered.all(), (width, height)
    assert tiles(800, 600) == [(0, 0, 800, 600)]
    columns = sorted({(x0, x1) for x0, _, x1, _ in tiles(5000, 300)})
    assert len(columns) == 2 and columns[0][1] - columns[1][0] == OVERLAP
    rows = sorted({(y0, y1) for _, y0, _, y1 in tiles(1200, 3000)})
    overlaps = [a[1] - b[0] for a, b in zip(rows, rows[1:], strict=False)]
    assert len(rows) > 1 and min(overlaps) >= OVERLAP
    assert rows[0][1] - rows[1][0] == OVERLAP and rows[-1][1] == 3000


def test_cut_sides_say_which_axis_was_cut_only_at_inner_edges():
    whole = (0, 0, 1000, 500)
    part = (100, 50, 600, 300)  # inner on every side
    assert cut_sides((100 + EDGE, 200, 300, 220), part, whole) == (True, False)  # at the left
    assert cut_sides((100 + EDGE + 1, 200, 300, 220), part, whole) == (False, False)
    assert cut_sides((300, 200, 600 - EDGE, 220), part, whole) == (True, False)  # at the right
    assert cut_sides((300, 50 + EDGE, 400, 70), part, whole) == (False, True)  # at the top
    assert cut_sides((300, 200, 400, 300 - EDGE), part, whole) == (False, True)  # the bottom
    assert cut_sides((300, 200, 400, 300 - EDGE - 1), part, whole) == (False, False)
    assert cut_sides((0, 0, 1000, 20), whole, whole) == (False, False)  # the frame's own edges


def test_a_band_is_full_width_and_padded_by_half_the_line_height():
    assert band((300, 100, 500, 130), 400, 1000) == (0, 85, 1000, 145)
    assert band((300, 100, 500, 104), 400, 1000) == (0, 96, 1000, 108)  # at least 4 px
    assert band((10, 2, 50, 30), 40, 60) == (0, 0, 60, 40)  # clipped to the frame


# -- Qwen-VL frame sizes ------------------------------------------------------------------------
@pytest.mark.parametrize("family", ["qwen2.5-vl", "qwen3-vl"])
def test_portrait_and_landscape_frames_keep_their_orientation(family):
    from videoscan_core.adapters.qwen_preprocess import QwenFrameProcessor

    processor = QwenFrameProcessor.for_family(family)
    tall = processor.target_size(1920, 1080)
    wide = processor.target_size(1080, 1920)
    assert tall == wide[::-1] and tall[0] > tall[1]
    frame = processor(np.zeros((100, 300, 3), np.uint8))
    _, rows, columns = frame.grid_thw
    assert columns > 2 * rows  # a wide frame gives a wide grid
    height, width = processor.resize(np.zeros((100, 300, 3), np.uint8)).shape[1:]
    assert (rows, columns) == (height // processor.patch_size, width // processor.patch_size)
