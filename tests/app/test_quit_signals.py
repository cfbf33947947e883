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

READY = "SIGINT and SIGTERM quit through the window"


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return write_video(tmp_path_factory.mktemp("clip") / "clip.mp4", 600, fps=5.0)


@pytest.mark.slow
@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_quits_cleanly_through_the_window(tmp_path, clip, number):
    report = tmp_path / "r.json"
    log = tmp_path / "stderr.txt"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_STATE_HOME": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "app.main", "--source", f"file:{clip}", "--model",
         "videoscan-demo", "--report-json", str(report), "--settings-file",
         str(tmp_path / "s.ini"), "--verbose"],
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
    assert json.loads(report.read_text())["model"] == "videoscan-demo"  # shutdown wrote it


def test_with_a_display_the_quit_question_is_asked_and_can_keep_the_app(
    make_window, tiny_engine_factory, monkeypatch
):
    from app import quit_signals
    from app.settings import AppSettings

    window = make_window(AppSettings(model="tiny"), engine_factory=tiny_engine_factory)
    window.show()
    answers = [False, True]  # Cancel, then Quit without saving
    asked = []

    def confirm(win):
        asked.append(win)
        return answers.pop(0)

    monkeypatch.setattr("app.main_window.confirm_quit", confirm)
    monkeypatch.setattr(quit_signals.QGuiApplication, "platformName", lambda: "xcb")
    exits: list[int] = []
    handler = quit_signals.QuitSignals(None, window, exit=exits.append)
    handler.handle(signal.SIGTERM)
    assert asked == [window] and exits == [] and not window.is_shut_down  # the user stayed
    handler.handle(signal.SIGTERM)
    assert len(asked) == 2 and exits == [143] and window.is_shut_down


def test_headless_or_a_second_signal_asks_nothing(make_window, tiny_engine_factory, monkeypatch):
    from app import quit_signals
    from app.settings import AppSettings

    window = make_window(AppSettings(model="tiny"), engine_factory=tiny_engine_factory)
    monkeypatch.setattr("app.main_window.confirm_quit", lambda win: pytest.fail("asked"))
    exits: list[int] = []
    quit_signals.QuitSignals(None, window, exit=exits.append).handle(signal.SIGINT)
    assert exits == [130] and window.is_shut_down
