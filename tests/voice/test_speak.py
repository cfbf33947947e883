"""Spoken answers: espeak-ng writes real speech to a file; say/stop never block and a new answer
stops the one being read (checked with a stand-in program that just waits)."""

from __future__ import annotations

import shutil
import time
import wave

import pytest

from videoscan_core.voice.speak import EspeakSpeaker, make_speaker

ESPEAK = shutil.which("espeak-ng") or shutil.which("espeak")


@pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed")
def test_espeak_writes_the_answer_as_speech(tmp_path):
    speaker = make_speaker()
    assert isinstance(speaker, EspeakSpeaker)
    path = speaker.to_file("A red circle appeared twelve seconds ago.", tmp_path / "answer.wav")
    with wave.open(str(path)) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    assert 1.0 < seconds < 10.0


def test_say_returns_at_once_and_a_new_answer_stops_the_old(tmp_path):
    program = tmp_path / "fake-espeak"
    program.write_text("#!/bin/sh\nexec sleep 30\n")
    program.chmod(0o755)
    speaker = EspeakSpeaker(str(program))
    started = time.monotonic()
    speaker.say("first answer")
    first = speaker._process
    assert time.monotonic() - started < 1.0 and speaker.speaking()
    speaker.say("second answer")
    assert first.poll() is not None  # terminated
    assert speaker.speaking() and speaker._process is not first
    speaker.stop()
    assert not speaker.speaking()
    speaker.say("   ")  # nothing to say: nothing started
    assert not speaker.speaking()
