"""The whole app on generated videos: frames flow, memory fills, questions get answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QImage

from app.settings import AppSettings


def test_app_streams_a_video_and_answers_through_the_worker(
    make_window, qtbot, moving_video, tiny_model_dir, tmp_path, monkeypatch
):
    settings = AppSettings(
        model=str(tiny_model_dir),
        source=f"file:{moving_video}",
        memory_size=4,
        fps=2.0,
        max_new_tokens=8,
    )
    window = make_window(settings, playback_speed=8.0, every_frame=True)
    window.show()
    with qtbot.waitSignal(window.worker.sig_model_ready, timeout=60000):
        window.start()
    qtbot.waitUntil(lambda: window.report.frames_processed >= 6, timeout=30000)
    qtbot.waitUntil(lambda: window.view.timeline.counter_text == "4 / 4", timeout=10000)
    assert len(window.timeline_model.evicted) >= 2  # older carriers left memory, drawn faded
    with qtbot.waitSignal(window.sig_answer_recorded, timeout=30000) as answered:
        window.view.chat.input.setText("What is moving on the screen?")
        qtbot.keyClick(window.view.chat.input, "\r")
    record = answered.args[0]
    assert record.question == "What is moving on the screen?" and record.ttft_ms > 0
    exchange = window.view.chat.conversation.exchanges[-1]
    assert exchange.finished and exchange.answer == record.answer
    path = window.view.chat.export_to(tmp_path / "chat.json")
    assert json.loads(path.read_text())[0]["question"] == "What is moving on the screen?"
    monkeypatch.setattr(
        "app.features.memory_export.QFileDialog.getExistingDirectory", lambda *a, **k: str(tmp_path)
    )
    export = next(a for a in window.findChildren(QAction) if a.text().startswith("Export remem"))
    export.trigger()  # synchronous on the GUI thread: memory cannot change meanwhile
    (folder,) = tmp_path.glob("videoscan-frames-*")
    saved = json.loads((folder / "index.json").read_text())["frames"]
    retained = [item.frame_index for item in window.timeline_model.retained]
    assert [entry["frame_index"] for entry in saved] == retained and len(retained) == 4
    assert QImage(str(folder / saved[0]["file"])).size() == QSize(96, 64)  # the video's size
    assert f"Saved 4 remembered frames to {folder}" in window.view.banner.text
    monkeypatch.setattr(
        "app.widgets.chat_pane.QFileDialog.getSaveFileName",
        lambda *a, **k: (str(tmp_path / "by-shortcut.md"), ""),
    )
    window.view.chat.input.setFocus()
    qtbot.keyClick(window.view.chat.input, "e", Qt.KeyboardModifier.ControlModifier)
    assert "What is moving" in (tmp_path / "by-shortcut.md").read_text()
    assert not (window.view.banner.isVisible() and window.view.banner.kind), (
        window.view.banner.text
    )  # no error
    image = window.grab()
    assert image.width() > 600 and not image.isNull()


def test_scripted_run_writes_the_report_and_exits(moving_video, tiny_model_dir, tmp_path):
    report_path, shot = tmp_path / "report.json", tmp_path / "window.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_STATE_HOME": str(tmp_path)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "app.main",
            "--source",
            f"file:{moving_video}",
            "--model",
            str(tiny_model_dir),
            "--ask",
            "What changed?",
            "--ask-after-frames",
            "5",
            "--screenshot",
            str(shot),
            "--exit-after-answer",
            "--report-json",
            str(report_path),
            "--playback-speed",
            "8",
            "--every-frame",  # a busy machine drops no frame: 5 are processed before the ask
            "--settings-file",
            str(tmp_path / "s.ini"),
            "--memory",
            "3",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(report_path.read_text())
    assert report["frames_processed"] >= 5
    assert report["frames_captured"] >= report["frames_processed"]
    assert report["carriers_retained"] == 3
    assert report["frames_dropped"] == 0  # at most the last frame waits, unprocessed
    assert report["frames_processed"] + report["frames_skipped_static"] >= (
        report["frames_captured"] - 1
    )
    assert [a["question"] for a in report["answers"]] == ["What changed?"]
    assert report["answers"][0]["ttft_ms"] > 0 and report["peak_rss_mb"] > 100
    assert report["errors"] == 0 and report["sessions"] == 1
    assert shot.stat().st_size > 10_000


def test_a_still_screen_is_remembered_although_it_changed_only_while_the_model_loaded(
    make_window, qtbot, tiny_engine_factory
):
    """A screen starts while the model loads: its one changed frame arrives then, and every
    later one is folded as unchanged. That frame must reach the model (it was dropped as stale,
    leaving the memory empty, and a scripted question waited until --script-timeout)."""
    import threading

    import numpy as np

    from videoscan_core.capture.base import FrameSource

    class StillScreen(FrameSource):
        def open(self) -> None:
            pass

        def read(self, timestamp: float):
            return np.full((64, 96, 3), 90, np.uint8)

    folded = threading.Event()
    window = make_window(
        AppSettings(model="tiny", source="screen:1", fps=5.0),
        source_factory=lambda spec: StillScreen(),
        explicit_source=True,
    )
    put_static = window.slot.put_static

    def record_static(*args, **kwargs):
        put_static(*args, **kwargs)
        folded.set()

    window.slot.put_static = record_static

    def load_after_a_folded_frame(request, status):
        assert folded.wait(120)  # the capture has moved past the changed frame
        return tiny_engine_factory(request, status)

    window.worker.engine_factory = load_after_a_folded_frame
    window.start()
    qtbot.waitUntil(lambda: window.report.frames_processed >= 1, timeout=120000)
