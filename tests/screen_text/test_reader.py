"""The reading thread: real OCR off the caller's thread, newest frame wins (skips counted, the
skipped frame's changes still read), a failing OCR stops screen text in one line, not the app."""

from __future__ import annotations

import threading

import numpy as np

from videoscan_core.screen_text.draw import draw_text
from videoscan_core.screen_text.memory import TextMemory
from videoscan_core.screen_text.ocr import OcrEngine, ScreenTextError
from videoscan_core.screen_text.reader import ScreenTextReader
from videoscan_core.screen_text.retrieve import all_lines


class GatedEngine(OcrEngine):
    """The real OCR, held at a gate so a test decides when a read may finish."""

    def __init__(self):
        super().__init__()
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.callers: set[str] = set()

    def warm_up(self):
        self.warming = True
        super().warm_up()
        self.warming = False

    def read(self, rgb):
        self.callers.add(threading.current_thread().name)
        if not getattr(self, "warming", False):
            self.entered.set()
            assert self.gate.wait(60)
        return super().read(rgb)


def screen(*texts):
    frame = np.full((360, 640, 3), 250, np.uint8)
    for row, text in enumerate(texts):
        if text:
            draw_text(frame, 20, 20 + 60 * row, text, 14)
    return frame


def test_frames_are_read_in_the_background_and_the_newest_wins():
    engine = GatedEngine()
    memory = TextMemory()
    reader = ScreenTextReader(memory, engine)
    reader.start()
    try:
        reader.offer(screen("Ticket 1001 opened"), 0.0, None)
        assert engine.entered.wait(60)  # the reader is busy with the first frame
        reader.offer(screen("Ticket 1001 opened", "Ticket 1002 opened"), 1.0, [(20, 80, 200, 20)])
        reader.offer(
            screen("Ticket 1001 opened", "Ticket 1002 opened", "Ticket 1003 opened"),
            2.0,
            [(20, 140, 200, 20)],
        )
        engine.gate.set()
        assert reader.wait_idle(120)
        stats = reader.stats()
        assert (stats.read, stats.skipped, stats.error) == (2, 1, None)
        seen = {s.text: s.first_seen for s in all_lines(memory)}
        # 1002 changed in the skipped frame: read in the newest one, seen from its time
        assert seen == {
            "Ticket 1001 opened": 0.0,
            "Ticket 1002 opened": 2.0,
            "Ticket 1003 opened": 2.0,
        }
        assert engine.callers == {"screen-text"}
    finally:
        assert reader.stop()
    assert not any(t.name == "screen-text" for t in threading.enumerate())


def test_a_skipped_frame_of_another_session_lends_its_changes_to_no_one():
    """A waiting frame of session "a" replaced by one of session "b": only the newer frame's own
    changed region is read (the union of changes holds within one session)."""
    engine = GatedEngine()
    memory = TextMemory()
    reader = ScreenTextReader(memory, engine)

    def big(top: str, bottom: str) -> np.ndarray:
        frame = np.full((720, 1280, 3), 250, np.uint8)
        draw_text(frame, 20, 20, top, 14)
        draw_text(frame, 20, 600, bottom, 14)
        return frame

    reader.start()
    try:
        reader.offer(big("Ticket 1001 opened", ""), 0.0, None, session="a")
        assert engine.entered.wait(60)  # the reader is busy with the first frame
        reader.offer(big("Ticket 1001 opened", "Ticket 2002 opened"), 1.0, [(20, 600, 300, 20)],
                     session="a")  # fmt: skip
        reader.offer(big("Ticket 3003 opened", "Ticket 2002 opened"), 2.0, [(20, 20, 300, 20)],
                     session="b")  # fmt: skip
        engine.gate.set()
        assert reader.wait_idle(120)
        assert (reader.stats().read, reader.stats().skipped) == (2, 1)
        assert [s.text for s in all_lines(memory, "a")] == ["Ticket 1001 opened"]
        assert [s.text for s in all_lines(memory, "b")] == ["Ticket 3003 opened"]
    finally:
        assert reader.stop()


def test_a_failing_ocr_turns_screen_text_off_in_one_line_and_nothing_else():
    class Broken(OcrEngine):
        def read(self, rgb):
            raise ScreenTextError("screen text could not be read: onnxruntime failed")

    messages = []
    memory = TextMemory()
    reader = ScreenTextReader(memory, Broken(), on_error=messages.append)
    reader.start()
    try:
        reader.offer(screen("hello"), 0.0)
        assert reader.wait_idle(60)
        reader.offer(screen("again"), 1.0)
        reader.offer_static(2.0)
        assert reader.wait_idle(60)
        assert messages == ["screen text could not be read: onnxruntime failed"]
        assert reader.stats().error == messages[0] and reader.failed
        assert memory.size() == (0, 0)
    finally:
        assert reader.stop()


def test_a_static_frame_extends_what_is_on_screen():
    memory = TextMemory()
    reader = ScreenTextReader(memory)
    reader.start()
    try:
        reader.offer(screen("Standup at 9:15"), 3.0, None)
        reader.offer_static(8.0)
        assert reader.wait_idle(120)
        assert [(s.text, s.first_seen, s.last_seen) for s in all_lines(memory)] == [
            ("Standup at 9:15", 3.0, 8.0)
        ]
    finally:
        reader.stop()
