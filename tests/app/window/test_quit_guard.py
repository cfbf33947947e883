"""Nothing lost on quit: unexported answers are offered for export, and Cancel keeps the app."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from app.models.conversation import Conversation
from app.settings import AppSettings
from videoscan_core.events import AnswerChunk

Button = QMessageBox.StandardButton


def answer(window, answer_id: int, text: str) -> None:
    window.answers.queued(answer_id, f"Question {answer_id}?")
    window.answers.finished(answer_id, AnswerChunk("", True, text, 3, "eos", 10.0, 20.0))


def test_conversation_counts_answers_not_yet_exported():
    conversation = Conversation()
    conversation.start(1, "Q1")
    conversation.finish(1, "A red square.", 1.0, 2.0, "eos")
    conversation.start(2, "Q2")
    conversation.fail(2, "No model loaded")  # an error message is nothing to keep
    assert conversation.unsaved == 1
    conversation.mark_saved()
    assert conversation.unsaved == 0
    conversation.start(3, "Q3")
    conversation.finish(3, "Blue.", 1.0, 2.0, "eos")
    conversation.clear()
    assert conversation.unsaved == 0


@pytest.fixture
def window(make_window, qtbot):
    window = make_window(AppSettings(model="", source="demo:1"))
    window.show()
    qtbot.waitExposed(window)
    return window


def answering(monkeypatch, choice):
    asked = []

    def ask(window, count):
        asked.append(count)
        return choice

    monkeypatch.setattr("app.window.quit_guard.ask_about_unsaved", ask)
    return asked


def test_cancel_keeps_the_window_and_the_worker(window, monkeypatch):
    answer(window, 1, "A red square.")
    answer(window, 2, "Two.")
    asked = answering(monkeypatch, Button.Cancel)
    quits = []
    monkeypatch.setattr("app.window.tray.QApplication.quit", lambda: quits.append(True))
    assert window.close() is False
    window.tray.quit_action.trigger()  # the tray's Quit asks the same and stays too
    assert asked == [2, 2] and quits == []
    assert window.isVisible() and window.worker.isRunning()


def test_save_exports_then_closes(window, monkeypatch, tmp_path):
    answer(window, 1, "A red square.")
    answering(monkeypatch, Button.Save)
    target = tmp_path / "kept.md"
    monkeypatch.setattr(
        "app.widgets.chat_pane.QFileDialog.getSaveFileName", lambda *a, **k: ("", "")
    )
    assert window.close() is False  # the save dialog was cancelled: nothing saved, stay
    monkeypatch.setattr(
        "app.widgets.chat_pane.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), "")
    )
    assert window.close() is True
    assert "A red square." in target.read_text() and window.worker.isFinished()


def test_quit_without_saving_and_nothing_to_save_close_at_once(make_window, qtbot, monkeypatch):
    asked = answering(monkeypatch, Button.Discard)
    quiet = make_window(AppSettings(model="", source="demo:1"))
    assert quiet.close() is True and asked == []  # no answers: no question
    chatty = make_window(AppSettings(model="", source="demo:1"))
    answer(chatty, 1, "Green.")
    assert chatty.close() is True and asked == [1] and chatty.worker.isFinished()


def test_an_answer_being_written_counts_and_a_second_quit_waits_for_the_first(window, monkeypatch):
    window.answers.queued(1, "What is moving?")
    window.answers.delta(1, "A white squ")  # still streaming
    quits, asked = [], []
    monkeypatch.setattr("app.window.tray.QApplication.quit", lambda: quits.append(True))

    def ask(window_, count):  # while the question is open, the tray's Quit is chosen too
        asked.append(count)
        window_.tray.quit()
        return Button.Cancel

    monkeypatch.setattr("app.window.quit_guard.ask_about_unsaved", ask)
    assert window.close() is False
    assert asked == [1] and quits == []  # the nested Quit did not end the app under the question
    assert window.isVisible() and not window.is_shut_down and window.worker.isRunning()
