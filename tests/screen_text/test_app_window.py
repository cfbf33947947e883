"""Screen text in the window: the text read from a video is shown under the answer, Ctrl+F
finds it with its times and a hit opens the nearest remembered frame."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from app.models.conversation import stream_clock as clock
from app.settings import AppSettings

from .clips import LIVE_SCRIPT, write_clip

SHOTS = os.environ.get("VIDEOSCAN_SHOTS")  # a folder: the window and the search are saved there


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return write_clip(tmp_path_factory.mktemp("window") / "screen.mp4", script=LIVE_SCRIPT)


def test_answers_show_the_screen_text_and_ctrl_f_finds_it(make_window, qtbot, clip, tiny_model_dir):
    settings = AppSettings(model=str(tiny_model_dir), source=f"file:{clip}", max_new_tokens=4)
    window = make_window(settings, playback_speed=4.0, every_frame=True)
    window.resize(1280, 800)
    window.show()
    with qtbot.waitSignal(window.worker.sig_model_ready, timeout=60000):
        window.start()
    service = window.screen_text

    def read() -> set[str]:
        return {hit.text for hit in service.memory.store.rows()} if service.memory else set()

    qtbot.waitUntil(lambda: "Flight LH4521 boards at gate B22" in read(), timeout=120000)
    qtbot.waitUntil(lambda: window.view.text_status.text().startswith("text: "), timeout=10000)
    assert " lines · " in window.view.text_status.text()  # the reader's counts, in the status bar
    qtbot.waitUntil(lambda: window.report.frames_processed >= 4, timeout=60000)
    with qtbot.waitSignal(window.sig_answer_recorded, timeout=60000):
        window.view.chat.input.setText("At which gate does flight LH4521 board?")
        qtbot.keyClick(window.view.chat.input, "\r")
    exchange = window.view.chat.conversation.exchanges[-1]
    (flight,) = [row for row in exchange.evidence_text if "LH4521" in row["text"]]
    assert flight["text"] == "Flight LH4521 boards at gate B22" and flight["first_seen"] >= 2.0
    when = clock(flight["first_seen"])
    shown = window.view.chat._view.toPlainText()
    assert "Read on screen" in shown and f"{when}\nFlight LH4521 boards at gate B22" in shown
    assert f"read on screen at {when}: Flight LH4521" in window.conversation.to_markdown()

    window.activateWindow()
    find = next(a for a in window.findChildren(QAction) if a.text() == "Find in screen text…")
    assert find.shortcut().toString() == "Ctrl+F"
    find.trigger()
    dialog = window.text_search.dialog
    assert dialog.isVisible()
    dialog.query.setText("gate b22")
    with qtbot.waitSignal(service.sig_hits, timeout=10000):
        qtbot.keyClick(dialog.query, Qt.Key.Key_Return)
    assert dialog.hits.count() == 1
    assert dialog.hits.item(0).text().startswith(when + "-")
    assert dialog.hits.item(0).text().endswith("   Flight LH4521 boards at gate B22")
    if SHOTS:
        window.grab().save(os.path.join(SHOTS, "screen-text-answer.png"))
        dialog.grab().save(os.path.join(SHOTS, "screen-text-search.png"))
    dialog.hits.itemClicked.emit(dialog.hits.item(0))
    viewer = window.frame_viewer
    assert viewer.isVisible() and viewer.windowTitle().startswith("Frame #")
    assert viewer.windowTitle().endswith(f" at {when}")  # the frame remembered at that time
    dialog.query.setText("   ")
    dialog.query.setText("?" * 3)
    with qtbot.waitSignal(service.sig_hits, timeout=10000):
        qtbot.keyClick(dialog.query, Qt.Key.Key_Return)
    assert dialog.status.text().startswith("the search is empty")
    assert not window.view.banner.isVisible(), window.view.banner.text
