"""VideoScan streaming video understanding: one semantic-carrier token per frame.

The package is plain Python on torch + transformers and never imports Qt. Importing it is cheap:
torch and transformers load only when the engine or a model is first used.

    from videoscan_core import EngineConfig, StreamingEngine
    engine = StreamingEngine.from_pretrained("path/to/model", EngineConfig(memory_size=64))
    event = engine.add_frame(rgb_uint8_array, timestamp=0.0)
    for chunk in engine.ask("What is on the screen?"):
        print(chunk.text, end="")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .config import EngineConfig, GenerationOptions
from .errors import (
    ModelLoadError,
    ModelNotFoundError,
    OutOfMemoryError,
    VideoReadError,
    VideoScanError,
)
from .events import AnswerChunk, CarrierInfo, FrameEvent, MemorySnapshot

if TYPE_CHECKING:
    from .adapters import load_model
    from .stream.engine import StreamingEngine

__all__ = [
    "AnswerChunk",
    "CarrierInfo",
    "EngineConfig",
    "FrameEvent",
    "GenerationOptions",
    "MemorySnapshot",
    "ModelLoadError",
    "ModelNotFoundError",
    "OutOfMemoryError",
    "StreamingEngine",
    "VideoReadError",
    "VideoScanError",
    "load_model",
]


def __getattr__(name: str):
    if name == "StreamingEngine":
        from .stream.engine import StreamingEngine

        return StreamingEngine
    if name == "load_model":
        from .adapters import load_model

        return load_model
    raise AttributeError(f"module 'videoscan_core' has no attribute {name!r}")
