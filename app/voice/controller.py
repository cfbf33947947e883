"""Push-to-talk: record while held, transcribe in a background thread, hand over the text.

Contract: ``VoiceController`` (a QObject on the GUI thread) exposes ``press()`` / ``release()``
(the mic button and the push-to-talk key call them) and ``transcribe_file(path)`` (scripted
``--ask-audio``). Recording happens in PortAudio's thread, transcription in a ``QThread`` that
owns the faster-whisper model (loaded on first use), so the GUI never waits. Signals:
``sig_level(float 0..1)`` (throttled), ``sig_recording(bool)``, ``sig_busy(bool)``,
``sig_transcript(str)`` and ``sig_error(str)`` (a message for people; typing keeps working).
"""

from __future__ import annotations

import queue
import time

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from videoscan_core.errors import VideoScanError
from videoscan_core.voice.transcribe import SpeechOptions, Transcriber

from .recorder import MicrophoneRecorder, RecordingError

MIN_SECONDS = 0.3
LEVEL_INTERVAL_S = 0.05


class TranscriptionThread(QThread):
    sig_transcript = Signal(str)
    sig_error = Signal(str)
    sig_busy = Signal(bool)

    def __init__(self, options: SpeechOptions) -> None:
        super().__init__()
        self.setObjectName("transcription")
        self.transcriber = Transcriber(options)
        self.jobs: queue.Queue = queue.Queue(maxsize=2)

    def submit(self, audio) -> bool:
        try:
            self.jobs.put_nowait(audio)
            return True
        except queue.Full:
            return False

    def set_options(self, options: SpeechOptions) -> None:
        self.submit(("options", options))

    def stop(self, timeout_ms: int = 5000) -> bool:
        while True:
            try:
                self.jobs.get_nowait()
            except queue.Empty:
                break
        self.jobs.put(None)
        return self.wait(timeout_ms)

    def run(self) -> None:
        while (job := self.jobs.get()) is not None:
            if isinstance(job, tuple) and job[0] == "options":
                self.transcriber = Transcriber(job[1])
                continue
            self.sig_busy.emit(True)
            try:
                text = self.transcriber.transcribe(job)
                if text:
                    self.sig_transcript.emit(text)
                else:
                    self.sig_error.emit("No speech was heard; hold the button while you speak.")
            except VideoScanError as error:
                self.sig_error.emit(str(error))
            except Exception as error:  # keep the thread alive whatever happens
                self.sig_error.emit(f"Speech recognition failed: {error}")
            finally:
                self.sig_busy.emit(False)


class VoiceController(QObject):
    sig_level = Signal(float)
    sig_recording = Signal(bool)
    sig_busy = Signal(bool)
    sig_transcript = Signal(str)
    sig_error = Signal(str)
    _sig_limit = Signal()

    def __init__(
        self,
        options: SpeechOptions | None = None,
        max_seconds: float = 30.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.thread = TranscriptionThread(options or SpeechOptions())
        self.thread.sig_transcript.connect(self.sig_transcript)
        self.thread.sig_error.connect(self.sig_error)
        self.thread.sig_busy.connect(self.sig_busy)
        self.thread.start()
        self._last_level = 0.0
        self._sig_limit.connect(self.release)
        self.recorder = MicrophoneRecorder(max_seconds, self._on_level, self._sig_limit.emit)

    def set_options(self, options: SpeechOptions, max_seconds: float) -> None:
        self.thread.set_options(options)
        self.recorder.max_samples = int(max_seconds * 16_000)

    def _on_level(self, rms: float) -> None:  # PortAudio's thread
        now = time.monotonic()
        if now - self._last_level >= LEVEL_INTERVAL_S:
            self._last_level = now
            self.sig_level.emit(min(1.0, rms * 5.0))

    @Slot()
    def press(self) -> None:
        if self.recorder.recording:
            return
        try:
            self.recorder.start()
        except RecordingError as error:
            self.sig_error.emit(str(error))
            return
        self.sig_recording.emit(True)

    @Slot()
    def release(self) -> None:
        if not self.recorder.recording:
            return
        audio = self.recorder.stop()
        self.sig_recording.emit(False)
        self.sig_level.emit(0.0)
        if audio.size < MIN_SECONDS * 16_000:
            self.sig_error.emit("The recording was too short; hold the button while you speak.")
            return
        self._submit(audio.astype(np.float32))

    def transcribe_file(self, path: str) -> None:
        self._submit(path)

    def _submit(self, audio) -> None:
        if not self.thread.submit(audio):
            self.sig_error.emit("Still transcribing the last question; try again in a moment.")

    def shutdown(self) -> bool:
        if self.recorder.recording:
            self.recorder.stop()
        return self.thread.stop()
