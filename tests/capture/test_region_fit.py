"""A region partly off the screen is clipped to it; one wholly off it is one clear line (before:
X11's raw multi-line "BadMatch" error in the banner)."""

from __future__ import annotations

import os

import pytest

from videoscan_core.capture.base import CaptureError
from videoscan_core.capture.region_fit import fit_region
from videoscan_core.errors import first_line

SCREEN = {"left": 0, "top": 0, "width": 1280, "height": 800}


def test_a_region_inside_is_kept():
    assert fit_region((10, 20, 300, 200), SCREEN) == {
        "left": 10, "top": 20, "width": 300, "height": 200
    }  # fmt: skip


def test_a_region_partly_off_screen_is_clipped():
    assert fit_region((1200, 700, 300, 200), SCREEN) == {
        "left": 1200, "top": 700, "width": 80, "height": 100
    }  # fmt: skip
    assert fit_region((-50, -10, 100, 100), SCREEN) == {
        "left": 0, "top": 0, "width": 50, "height": 90
    }  # fmt: skip


@pytest.mark.parametrize("region", [(5000, 5000, 300, 200), (0, 0, 0, 10), (1280, 0, 10, 10)])
def test_a_region_off_screen_or_empty_is_one_line(region):
    with pytest.raises(ValueError) as error:
        fit_region(region, SCREEN)
    assert "\n" not in str(error.value)


def test_first_line_of_a_multi_line_error():
    assert first_line(RuntimeError("X Error of failed request: 8\n  Major opcode 73")) == (
        "X Error of failed request: 8"
    )


@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs an X server (xvfb-run)")
def test_the_screen_source_grabs_the_clipped_part():
    from videoscan_core.capture.screen import ScreenSource

    probe = ScreenSource(1)
    probe.open()
    width, height = probe._area["width"], probe._area["height"]
    probe.close()
    source = ScreenSource(1, (width - 40, height - 30, 300, 200))
    source.open()
    try:
        frame = source._grab()
        assert frame.shape == (30, 40, 3)
    finally:
        source.close()
    outside = ScreenSource(1, (width + 500, height + 500, 300, 200))
    with pytest.raises(CaptureError, match="lies outside the screen"):
        outside.open()
