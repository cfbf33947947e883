"""Spoken questions made with espeak-ng, and a fake microphone that plays them through ALSA."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

QUESTION = "What color is the square on the screen?"


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


@pytest.fixture(scope="session")
def spoken_question(tmp_path_factory):
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    path = tmp_path_factory.mktemp("speech") / "question.wav"
    subprocess.run(
        ["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(path), QUESTION],
        check=True,
        capture_output=True,
    )
    return path


@pytest.fixture(scope="session")
def fake_microphone_home(tmp_path_factory, spoken_question):
    """A HOME whose ~/.asoundrc makes ALSA's default capture device read the question."""
    if shutil.which("sox") is None:
        pytest.skip("sox is not installed")
    home = tmp_path_factory.mktemp("home")
    raw = home / "question.raw"
    subprocess.run(
        [
            "sox",
            str(spoken_question),
            "-r",
            "16000",
            "-c",
            "1",
            "-b",
            "16",
            "-e",
            "signed-integer",
            "-t",
            "raw",
            str(raw),
        ],
        check=True,
    )
    (home / ".asoundrc").write_text(
        'pcm.!default { type plug slave.pcm "speech" }\n'
        f'pcm.speech {{ type file slave.pcm "nullpcm" file "/dev/null" infile "{raw}" '
        'format "raw" }\n'
        "pcm.nullpcm { type null }\n"
    )
    return home, raw.stat().st_size / 2 / 16000  # seconds of audio
