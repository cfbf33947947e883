"""The app's screen-text service (``app.features.screen_text.ScreenText``) without a window:
questions get the relevant blocks of the current session, none once OCR has failed or screen
text is off, and its settings build the memory's bounds (lines, megabytes)."""

from __future__ import annotations

import pytest

from app.features.screen_text import MB, ScreenText
from app.settings import AppSettings
from videoscan_core.screen_text.ocr import OcrLine
from videoscan_core.screen_text.reader import ScreenTextReader
from videoscan_core.screen_text.reading import FrameReading


@pytest.fixture
def service(qapp):
    service = ScreenText(AppSettings(screen_text_max_lines=300, screen_text_max_mb=2))
    line = OcrLine("Flight LH4521 boards at gate B22", (20, 20, 320, 36), 0.95)
    service.memory.observe(FrameReading((line,), ((0, 0, 640, 360),), whole=True), 3.0, "1")
    yield service
    service.shutdown()


def test_questions_get_the_blocks_until_ocr_fails(service, monkeypatch):
    (block,) = service.for_question("Which gate does my flight board at?")
    assert "gate B22" in block.text and block.first_seen == 3.0
    monkeypatch.setattr(ScreenTextReader, "failed", property(lambda self: True))
    assert service.for_question("Which gate does my flight board at?") == []


def test_the_settings_set_the_bounds_and_off_means_no_memory(service):
    assert (service.memory.max_lines, service.memory.max_bytes) == (300, 2 * MB)
    service.apply(AppSettings(screen_text=False))
    assert service.memory is None and service.reader is None
    assert service.for_question("Which gate?") == []
