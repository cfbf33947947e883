"""SIGINT and SIGTERM take the window's quit path: no traceback, the shutdown runs (the report is
written), the exit code says which signal; with a display the unsaved-answers question is asked."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.app_fixtures import write_video
from tests.output_watch import OutputWatch
from videoscan_core.events import AnswerChunk

READY = "SIGINT and SIGTERM quit through the window"


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return write_video(tmp_path_factory.mktemp("clip") / "clip.mp4", 600, fps=5.0)


SCRIPTED = ["--ask", "Q", "--ask-after-frames", "1000", "--exit-after-answer"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("number", "script"),
    [(signal.SIGINT, []), (signal.SIGTERM, []), (signal.SIGTERM, SCRIPTED)],
)
def test_a_signal_quits_cleanly_through_the_window(tmp_path, clip, number, script):
    report = tmp_path / "r.json"
    log = tmp_path / "stderr.txt"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_STATE_HOME": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "app.main", "--source", f"file:{clip}", "--model",
         "videoscan-demo", "--report-json", str(report), "--settings-file",
         str(tmp_path / "s.ini"), "--verbose", *script],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    output = OutputWatch(process.stderr, log)
    try:
        assert output.wait_for(READY, timeout=60), output.text()[-2000:]
        sent = time.monotonic()
        process.send_signal(number)
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        output.join()
    text = log.read_text()
    assert code == 128 + number, text[-2000:]
    assert time.monotonic() - sent < 30
    assert "Traceback" not in text and "KeyboardInterrupt" not in text
    assert f"{signal.Signals(number).name} received: quitting" in text
    written = json.loads(report.read_text())  # shutdown wrote it
    assert written["model"] == "videoscan-demo" and written["error"] == "interrupted"


def test_a_signal_never_waits_on_a_question_unexported_answers_are_kept(
    make_window, tiny_engine_factory, monkeypatch, tmp_path
):
    """A logout or a service stop must not hang on the quit question (before: the first SIGTERM
    opened it and the app stayed); the answers go to the recovery folder instead."""
    from app.settings import AppSettings
    from app.window import quit_signals

    window = make_window(AppSettings(model="tiny"), engine_factory=tiny_engine_factory)
    window.show()
    window.answers.queued(1, "What is on the screen?")
    window.answers.finished(1, AnswerChunk("", True, "A red circle.", 3, "eos", 5.0, 9.0))
    monkeypatch.setattr("app.window.main_window.confirm_quit",
                        lambda window, chat: pytest.fail("asked"))
    monkeypatch.setattr("app.window.quit_guard.recovery_dir", lambda: tmp_path / "recovered")
    exits: list[int] = []
    quit_signals.QuitSignals(None, window, exit=exits.append).handle(signal.SIGTERM)
    assert exits == [143] and window.is_shut_down
    (saved,) = (tmp_path / "recovered").iterdir()
    assert "A red circle." in saved.read_text() and window.conversation.unsaved == 0


def test_a_scripted_run_stopped_by_a_signal_reports_interrupted(
    make_window, tiny_engine_factory, tmp_path
):
    """What ``timeout`` and CI send: the report is written, with error "interrupted"."""
    from app.scripting.scripted_run import ScriptPlan
    from app.settings import AppSettings
    from app.window import quit_signals

    report = tmp_path / "r.json"
    plan = ScriptPlan(
        asks=["Q"], ask_after_frames=1000, exit_after_answer=True, report_json=str(report)
    )
    window = make_window(AppSettings(model="tiny"), engine_factory=tiny_engine_factory, plan=plan)
    exits: list[int] = []
    quit_signals.QuitSignals(None, window, exit=exits.append).handle(signal.SIGINT)
    assert exits == [130]
    assert json.loads(report.read_text())["error"] == "interrupted"


def test_headless_or_a_second_signal_asks_nothing(make_window, tiny_engine_factory, monkeypatch):
    from app.settings import AppSettings
    from app.window import quit_signals

    window = make_window(AppSettings(model="tiny"), engine_factory=tiny_engine_factory)
    monkeypatch.setattr("app.window.main_window.confirm_quit",
                        lambda window, chat: pytest.fail("asked"))
    exits: list[int] = []
    quit_signals.QuitSignals(None, window, exit=exits.append).handle(signal.SIGINT)
    assert exits == [130] and window.is_shut_down
