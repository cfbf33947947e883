"""App settings: one dataclass, mapped to QSettings at this boundary only.

Contract: ``AppSettings`` holds every user setting with its default; ``load(qsettings)`` and
``save(qsettings)`` convert to and from QSettings (missing or malformed values fall back to the
default), and ``engine_config()`` gives the core's ``EngineConfig``. Which changes need what:
``needs_model_reload`` (model, device, dtype) and ``needs_stream_reset`` (position mode, top-k,
recent frames); memory size, FPS and the change threshold apply to a running session.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from videoscan_core.config import EngineConfig

MODEL_FIELDS = ("model", "device", "dtype")
STREAM_FIELDS = ("position_mode", "keep_topk", "recent_frames")


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
    # "compact" (official VideoScan) or "monotonic" RoPE positions.
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

    def __post_init__(self) -> None:
        if not 0.2 <= self.fps <= 5:
            raise ValueError("capture rate must be between 0.2 and 5 frames per second")
        if self.memory_size < 1:
            raise ValueError("memory size must be at least 1")
        if not 0 <= self.change_threshold <= 1:
            raise ValueError("change threshold must be between 0 and 1")
        if not 1 <= self.max_recording_s <= 600:
            raise ValueError("the longest recording must be between 1 and 600 seconds")

    def speech_options(self):
        from videoscan_core.speech import SpeechOptions

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
        values = {}
        for field in fields(cls):
            if not store.contains(field.name):
                continue
            try:
                value = _parse(type(field.default), store.value(field.name))
                cls(**{field.name: value})  # validates this one value
            except (TypeError, ValueError):
                continue
            values[field.name] = value
        return cls(**values)

    def save(self, store) -> None:
        for field in fields(self):
            store.setValue(field.name, getattr(self, field.name))
        store.sync()


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
    return kind(raw)
