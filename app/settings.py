"""App settings: one dataclass, mapped to QSettings at this boundary only.

Contract: ``AppSettings`` holds every user setting with its default; ``load(qsettings)`` and
``save(qsettings)`` convert to and from QSettings, and ``engine_config()`` gives the core's
``EngineConfig``. Every field is validated in ``__post_init__`` (ranges as the Settings dialog
allows), so an ``AppSettings`` that exists can always start. ``load_checked`` validates a stored
file as a whole: each missing, malformed or out-of-range value falls back to its default and is
named in the returned problems (``problems_message`` makes them one line); loading never writes,
the file changes only on ``save``. Which changes need what:
``needs_model_reload`` (model, device, dtype) and ``needs_stream_reset`` (position mode, top-k,
recent frames); memory size, FPS and the change threshold apply to a running session.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields, replace

from videoscan_core.config import EngineConfig
from videoscan_core.limits import MAX_MEMORY, MAX_NEW_TOKENS

MODEL_FIELDS = ("model", "device", "dtype")
STREAM_FIELDS = ("position_mode", "keep_topk", "recent_frames")
# inclusive ranges of the numeric fields (the Settings dialog offers the same)
RANGES: dict[str, tuple[float, float]] = {
    "memory_size": (1, MAX_MEMORY),  # the cap of every entry point
    "fps": (0.2, 5.0),
    "change_threshold": (0.0, 1.0),
    "keep_topk": (0, 256),
    "recent_frames": (0, 64),
    "max_new_tokens": (1, MAX_NEW_TOKENS),
    "max_recording_s": (1.0, 600.0),
    "api_port": (1024, 65535),
    "screen_text_max_lines": (100, 1_000_000),
    "screen_text_max_mb": (1, 1024),
    "screen_text_retention_days": (1, 3650),
}
# position_mode, keep_topk and recent_frames are also checked by the core (engine_config())
CHOICES: dict[str, tuple[str, ...]] = {"dtype": ("auto", "float32", "bfloat16", "float16")}
_DEVICE = re.compile(r"auto|cpu|mps|cuda(:\d+)?")


@dataclass(frozen=True)
class AppSettings:
    # Model: a folder or a Hugging Face hub id ("" = none chosen yet).
    model: str = ""
    # "auto", "cpu", "cuda", ...
    device: str = "auto"
    # "auto", "float32", "bfloat16", "float16"
    dtype: str = "auto"
    # Carriers kept in memory (M).
    memory_size: int = 64
    # Frames captured per second (0.2-5).
    fps: float = 1.0
    # Mean absolute grey-level difference (0-1) under which a frame counts as unchanged.
    change_threshold: float = 0.01
    # RoPE positions: "compact" (official VideoScan), "monotonic", "rerotate" or "sliding"
    # (videoscan_core.config.POSITION_MODES); left at "compact", untrained checkpoints get their
    # training-free preset's mode (presets.config_for).
    position_mode: str = "compact"
    # VideoScan+ visual entries kept per frame (0 = off).
    keep_topk: int = 0
    # Full frames kept in a recent window (0 = off).
    recent_frames: int = 0
    # Capture source spec: screen[:N], region:X,Y,W,H, webcam[:N], file:PATH.
    source: str = "screen:1"
    # Longest answer, in tokens.
    max_new_tokens: int = 128
    # Speech model: a faster-whisper name (tiny.en, base, small, ...) or folder; "" = bundled.
    speech_model: str = ""
    # Spoken language ("en", "de", ...) or "auto".
    voice_language: str = "en"
    # Send a transcribed question at once (True) or leave it in the box for editing (False).
    voice_autosend: bool = True
    # Longest recording, in seconds.
    max_recording_s: float = 30.0
    # Read answers and alerts aloud (the platform's speech engine).
    speak_answers: bool = False
    # Let programs on this computer ask VideoScan (OpenAI-compatible API on 127.0.0.1).
    api_server: bool = False
    # Port of that API, and the key programs must send (made when the API is first switched on).
    api_port: int = 8765
    api_key: str = ""
    # Read the text on the screen (screen, window, region and video files;
    # app/features/screen_text.py),
    # remember it (at most these many lines and megabytes, the least recently seen go first) and
    # show the relevant part to the model with each question.
    screen_text: bool = True
    screen_text_max_lines: int = 20_000
    screen_text_max_mb: int = 4
    # Keep the screen text on disk across runs (the user data folder), for this many days.
    screen_text_history: bool = False
    screen_text_retention_days: int = 30

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            kind = type(field.default)
            if kind is bool and not isinstance(value, bool):
                raise ValueError(f"{field.name} must be true or false (got {value!r})")
            if kind is str and not isinstance(value, str):
                raise ValueError(f"{field.name} must be text (got {value!r})")
        if not 0.2 <= self.fps <= 5:
            raise ValueError("capture rate must be between 0.2 and 5 frames per second")
        if self.memory_size < 1:
            raise ValueError("memory size must be at least 1")
        if not 0 <= self.change_threshold <= 1:
            raise ValueError("change threshold must be between 0 and 1")
        if not 1 <= self.max_recording_s <= 600:
            raise ValueError("the longest recording must be between 1 and 600 seconds")
        for name, (low, high) in RANGES.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{name} must be a number (got {value!r})")
            if not (math.isfinite(value) and low <= value <= high):
                raise ValueError(f"{name} must be between {low:g} and {high:g} (got {value!r})")
        for name, allowed in CHOICES.items():
            if getattr(self, name) not in allowed:
                raise ValueError(
                    f"{name} must be one of {', '.join(allowed)} (got {getattr(self, name)!r})"
                )
        if not _DEVICE.fullmatch(self.device):
            raise ValueError(f"device must be auto, cpu, cuda, cuda:N or mps (got {self.device!r})")
        self.engine_config()  # the core's own rules (position modes, top-k, recent frames)

    def speech_options(self):
        from videoscan_core.voice.transcribe import SpeechOptions

        language = None if self.voice_language in ("", "auto") else self.voice_language
        return SpeechOptions(
            model=self.speech_model,
            language=language,
            device="cpu" if self.device == "cpu" else "auto",
        )

    def engine_config(self) -> EngineConfig:
        return EngineConfig(
            memory_size=self.memory_size,
            position_mode=self.position_mode,  # type: ignore[arg-type]
            keep_topk=self.keep_topk,
            recent_frames=self.recent_frames,
            device=None if self.device == "auto" else self.device,
            dtype=None if self.dtype == "auto" else self.dtype,
            # OpenVINO (bfloat16 where the CPU has it) for big vision towers on the CPU; small
            # ones and other devices stay on PyTorch (adapters/vision_runtime.choose_runtime)
            vision_runtime="auto",
            # the language model's answers on the CPU: the fastest runtime that keeps float32's
            # answers (stream/answer_runtime.choose_answer_runtime); PyTorch elsewhere
            answer_runtime="auto",
        )

    def needs_model_reload(self, other: AppSettings) -> bool:
        return any(getattr(self, name) != getattr(other, name) for name in MODEL_FIELDS)

    def needs_stream_reset(self, other: AppSettings) -> bool:
        return any(getattr(self, name) != getattr(other, name) for name in STREAM_FIELDS)

    def with_changes(self, **changes) -> AppSettings:
        return replace(self, **changes)

    @classmethod
    def load(cls, store) -> AppSettings:
        """Read from a QSettings; a malformed or out-of-range value falls back to its default
        (the other values are kept)."""
        return cls.load_checked(store)[0]

    @classmethod
    def load_checked(cls, store) -> tuple[AppSettings, list[str]]:
        """The settings in a QSettings and one problem per value replaced by its default.
        Reads only: nothing is written back."""
        values, problems = {}, []
        for field in fields(cls):
            if not store.contains(field.name):
                continue
            raw = store.value(field.name)
            try:
                value = _parse(type(field.default), raw)
                cls(**{field.name: value})  # validates this one value
            except (TypeError, ValueError) as error:
                reason = re.sub(r" \(got .*\)$", "", str(error))
                problems.append(f"{field.name}={_shown(raw)}: {reason}; using {field.default!r}")
                continue
            values[field.name] = value
        try:
            settings = cls(**values)
            settings.engine_config()  # the core's own checks, on the values together
        except (TypeError, ValueError) as error:
            problems.append(f"the values together ({error}; using the defaults)")
            settings = cls()
        return settings, problems

    def save(self, store) -> str | None:
        """Write every field; returns None, or one line when the file could not be written
        (e.g. an unwritable home folder: QSettings itself says nothing)."""
        for field in fields(self):
            store.setValue(field.name, getattr(self, field.name))
        store.sync()
        status = store.status()
        if status == type(status).NoError:
            return None
        where = store.fileName() or "the settings file"
        return (
            f"the settings could not be saved to {where} ({status.name}); they apply until you quit"
        )


def problems_message(problems: list[str]) -> str:
    """One line for people about the values ``load_checked`` replaced."""
    return (
        "Some saved settings were not valid and use their defaults until you save Settings: "
        + "; ".join(problems)
    )


def _shown(raw) -> str:
    text = repr(raw)
    return text if len(text) <= 40 else text[:37] + "..."


def _parse(kind: type, raw):
    """QSettings gives strings from INI files: read booleans as people write them."""
    if kind is bool:
        if isinstance(raw, str):
            if raw.strip().lower() in ("true", "1", "yes", "on"):
                return True
            if raw.strip().lower() in ("false", "0", "no", "off"):
                return False
            raise ValueError(f"not a boolean: {raw!r}")
        return bool(raw)
    if kind in (int, float) and isinstance(raw, str):
        try:
            return kind(raw.strip())
        except ValueError:
            raise ValueError("not a whole number" if kind is int else "not a number") from None
    if kind is str and not isinstance(raw, str):
        raise ValueError("not text")  # e.g. an unquoted "a,b" read back as a list
    return kind(raw)
