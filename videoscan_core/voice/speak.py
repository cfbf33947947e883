"""Reading answers aloud through the platform's own speech engine, behind one small interface.

Contract: ``Speaker`` has ``say(text)`` (returns at once; a new ``say`` stops what is being said),
``stop()``, ``speaking()`` and ``to_file(text, path)`` (a WAV, for tests and export).
``make_speaker()`` returns the best one here, or None when this machine has none:
``EspeakSpeaker`` (the ``espeak-ng`` or ``espeak`` program, Linux; one child process per
utterance, stopped by terminating it) or ``Pyttsx3Speaker`` (``pyttsx3``: SAPI5 on Windows,
NSSpeechSynthesizer on macOS, run in its own thread). Nothing here blocks the caller for longer
than starting a process or a thread.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

MAX_CHARS = 2000  # a runaway answer is cut, not read for minutes


class Speaker:
    name = "none"

    def say(self, text: str) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def speaking(self) -> bool:
        raise NotImplementedError

    def to_file(self, text: str, path: str | Path) -> Path:
        raise NotImplementedError


def _clean(text: str) -> str:
    return " ".join(text.split())[:MAX_CHARS]


class EspeakSpeaker(Speaker):
    def __init__(self, program: str, voice: str = "en", words_per_minute: int = 175) -> None:
        self.program, self.voice, self.rate = program, voice, words_per_minute
        self.name = Path(program).name
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def _command(self, *extra: str) -> list[str]:
        return [self.program, "-v", self.voice, "-s", str(self.rate), *extra]

    def say(self, text: str) -> None:
        text = _clean(text)
        with self._lock:
            self._stop_locked()
            if text:
                self._process = subprocess.Popen(
                    [*self._command(), "--", text],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                process.kill()

    def speaking(self) -> bool:
        with self._lock:
            return self._process is not None and self._process.poll() is None

    def to_file(self, text: str, path: str | Path) -> Path:
        path = Path(path)
        subprocess.run(
            [*self._command("-w", str(path)), "--", _clean(text)],
            check=True,
            capture_output=True,
            timeout=60,
        )
        return path


class Pyttsx3Speaker(Speaker):
    name = "pyttsx3"

    def __init__(self) -> None:
        import pyttsx3

        self._pyttsx3 = pyttsx3
        self._engine: Any = None  # pyttsx3's engine, made in the speaking thread
        self._thread: threading.Thread | None = None

    def say(self, text: str) -> None:
        self.stop()
        text = _clean(text)
        if text:
            self._thread = threading.Thread(target=self._run, args=(text,), daemon=True)
            self._thread.start()

    def _run(self, text: str) -> None:
        self._engine = self._pyttsx3.init()
        self._engine.say(text)
        self._engine.runAndWait()

    def stop(self) -> None:
        engine = self._engine
        if engine is not None:
            engine.stop()

    def speaking(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def to_file(self, text: str, path: str | Path) -> Path:
        engine = self._pyttsx3.init()
        engine.save_to_file(_clean(text), str(path))
        engine.runAndWait()
        return Path(path)


def make_speaker() -> Speaker | None:
    """The platform's speech engine, or None when there is none."""
    if sys.platform in ("win32", "darwin"):
        try:
            return Pyttsx3Speaker()
        except Exception:  # not installed, or no speech service
            return None
    program = shutil.which("espeak-ng") or shutil.which("espeak")
    if program:
        return EspeakSpeaker(program)
    try:
        return Pyttsx3Speaker()
    except Exception:
        return None
