"""Recording from the default microphone, 16 kHz mono, with a live level.

Contract: ``MicrophoneRecorder(max_seconds, on_level)``; ``start()`` opens the default input
device (``RecordingError`` with a message for people when PortAudio or a microphone is missing),
``stop()`` returns the float32 samples recorded so far. ``on_level(rms)`` is called from the
audio thread for every block (keep it cheap). Recording stops by itself at ``max_seconds``
(``on_limit`` is called). No Qt here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import numpy as np

from videoscan_core.errors import first_line

SAMPLE_RATE = 16_000

log = logging.getLogger("videoscan")


class RecordingError(Exception):
    """The microphone cannot be used; the message is shown to the user."""


def import_sounddevice():
    try:
        import sounddevice
    except OSError:
        raise RecordingError(
            "microphone support needs the PortAudio library (on Debian/Ubuntu: "
            "sudo apt install libportaudio2)"
        ) from None
    except ImportError:
        raise RecordingError("microphone support needs the sounddevice package") from None
    return sounddevice


class MicrophoneRecorder:
    def __init__(
        self,
        max_seconds: float = 30.0,
        on_level: Callable[[float], None] | None = None,
        on_limit: Callable[[], None] | None = None,
    ) -> None:
        self.max_samples = int(max_seconds * SAMPLE_RATE)
        self.on_level = on_level
        self.on_limit = on_limit
        self._chunks: list[np.ndarray] = []
        self._count = 0
        self._stream = None
        self._lock = threading.Lock()

    @property
    def recording(self) -> bool:
        return self._stream is not None

    def start(self) -> None:
        if self._stream is not None:
            return
        sounddevice = import_sounddevice()
        with self._lock:
            self._chunks, self._count = [], 0
        try:
            stream = sounddevice.InputStream(
                samplerate=SAMPLE_RATE,
                channels=1,
                dtype="int16",  # what microphones deliver; converted per block
                blocksize=1600,
                callback=self._on_block,
            )
            stream.start()
        except Exception as error:  # PortAudioError, ValueError (no default device)
            log.info("no microphone: %s", first_line(error))  # the sound system's own words
            raise RecordingError(
                "No microphone found: plug one in, or choose one in the system's sound settings"
            ) from None
        self._stream = stream

    def _on_block(self, block, frames, time_info, status) -> None:
        samples = block[:, 0].astype(np.float32) / 32768.0
        with self._lock:
            room = self.max_samples - self._count
            if room <= 0:
                return
            samples = samples[:room]
            self._chunks.append(samples)
            self._count += samples.size
            full = self._count >= self.max_samples
        if self.on_level is not None:
            self.on_level(float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0)
        if full and self.on_limit is not None:
            self.on_limit()

    def stop(self) -> np.ndarray:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()
            stream.close()
        with self._lock:
            audio = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.float32)
            self._chunks, self._count = [], 0
        return audio
