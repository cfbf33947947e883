"""Stop and Esc stop the answer being written, never a question that only waits behind it, and
Stop works while a question waits (for a model or a first frame)."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt

from app.settings import AppSettings
from videoscan_core.events import AnswerChunk

from .fakes import SlowEngine


class GatedEngine(SlowEngine):
    """The first answer is written until Stop (``should_stop``) or ``release``; later ones at
    once."""

    def __init__(self, config) -> None:
        super().__init__(config, step_s=0.0)
        self.release = threading.Event()
        self.writing = threading.Event()
        self.asked = 0

    def ask(self, question, options, should_stop=None, screen_text=()):
        self.asked += 1
        yield AnswerChunk("partial ")
        if self.asked == 1:
            self.writing.set()
            while not (should_stop and should_stop()) and not self.release.is_set():
                self.release.wait(0.01)  # a token step; polls Stop like the real engine
            if should_stop and should_stop():
                yield AnswerChunk("", True, "partial", 1, "cancelled", 1.0, 2.0)
                return
        yield AnswerChunk("", True, "partial answer", 2, "eos", 1.0, 2.0)


def test_esc_stops_the_answer_being_written_not_the_one_queued(make_window, qtbot, moving_video):
    engines: list[GatedEngine] = []

    def factory(request, status):
        engines.append(GatedEngine(request.config))
        return engines[-1]

    settings = AppSettings(model="gated", source=f"file:{moving_video}")
    window = make_window(settings, engine_factory=factory)
    with qtbot.waitSignal(window.worker.sig_model_ready, timeout=10000):
        window.start()
    finished: dict[int, AnswerChunk] = {}
    window.worker.sig_answer_finished.connect(lambda i, chunk: finished.update({i: chunk}))
    chat = window.view.chat
    for question in ("What moved first?", "And then?"):  # typed, as people ask
        qtbot.keyClicks(chat.input, question)
        qtbot.keyClick(chat.input, Qt.Key.Key_Return)
    first, second = (e.answer_id for e in window.conversation.exchanges)
    qtbot.waitUntil(engines[0].writing.is_set, timeout=10000)
    qtbot.waitUntil(chat._stop.isEnabled, timeout=5000)
    qtbot.keyClick(chat.input, Qt.Key.Key_Escape)  # Stop: the answer being written
    engines[0].release.set()  # (before the fix the first answer ran on; now it is stopped)
    qtbot.waitUntil(lambda: first in finished and second in finished, timeout=10000)
    assert finished[first].stop_reason == "cancelled"
    assert finished[second].stop_reason == "eos" and finished[second].answer == "partial answer"
    shown = chat._view.toPlainText()
    assert "stopped" in shown and "partial answer" in shown


class CountingEngine(SlowEngine):
    """Answers with the number of frames it had seen when the question was asked."""

    def ask(self, question, options, should_stop=None, screen_text=()):
        yield AnswerChunk("", True, f"{len(self.frames)} frames", 1, "eos", 1.0, 2.0)


def test_a_question_asked_before_any_frame_waits_for_one(make_window, qtbot, moving_video):
    """Asked while the model loads (before: answered from an empty memory, with no evidence)."""
    window = make_window(
        AppSettings(model="counting", source=f"file:{moving_video}"),
        engine_factory=lambda request, status: CountingEngine(request.config, step_s=0.0),
    )
    window.start()
    with qtbot.waitSignal(window.sig_answer_recorded, timeout=20000) as recorded:
        window.ask("What is on the screen now?")  # queued behind the model load
    assert recorded.args[0].answer != "0 frames"


def test_stop_works_while_a_question_waits_for_a_first_frame(make_window, qtbot, tmp_path):
    window = make_window(
        AppSettings(model="counting", source=f"file:{tmp_path / 'missing.mp4'}"),
        engine_factory=lambda request, status: CountingEngine(request.config, step_s=0.0),
    )
    with qtbot.waitSignal(window.worker.sig_model_ready, timeout=10000):
        window.start()
    window.ask("What is on the screen now?")  # no frame will come: the file is missing
    qtbot.waitUntil(lambda: window.view.banner.kind == "capture", timeout=5000)
    assert "starts when the model" not in window.statusBar().currentMessage()  # not any more
    chat = window.view.chat
    qtbot.waitUntil(lambda: "Waiting for the first frame" in chat._view.toPlainText(), timeout=5000)
    assert chat._stop.isEnabled()
    with qtbot.waitSignal(window.worker.sig_answer_finished, timeout=5000) as finished:
        qtbot.mouseClick(chat._stop, Qt.MouseButton.LeftButton)
    assert finished.args[1].stop_reason == "cancelled"
    qtbot.waitUntil(lambda: "stopped" in chat._view.toPlainText())  # (queued to the window)
    assert not chat._stop.isEnabled()
