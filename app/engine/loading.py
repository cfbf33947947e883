"""What the model worker makes outside its loop: the engine, and the pictures of each frame.

Contract: ``default_engine_factory(request, status)`` checks the model and the device (fast, no
weights), loads the engine, prepares a faster vision runtime while "Loading" shows, and applies
the family's training-free preset where the user chose nothing. ``frame_pictures(rgb)`` gives the
timeline thumbnail (``THUMBNAIL_WIDTH`` wide) and the keepsake JPEG of a frame; a ``FrameUpdate``
is everything the GUI learns from one processed frame. ``devices_here()`` lists the devices torch
can use. Run in the worker thread (torch is imported there, not at GUI start).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtGui import QImage

from ..capture.controller import to_qimage
from ..features.memory_export import keepsake_jpeg
from .commands import ModelRequest

THUMBNAIL_WIDTH = 96


@dataclass(frozen=True)
class FrameUpdate:
    """Everything the GUI learns from one processed frame, in one signal."""

    event: Any  # FrameEvent
    thumbnail: QImage  # THUMBNAIL_WIDTH wide, for the timeline
    keepsake: bytes  # JPEG of the frame, kept for export while it is in memory
    snapshot: Any  # MemorySnapshot after the frame
    stats: dict  # memory, frame time, drops, counts (the resource plot)
    excluded: int = 0  # windows the privacy guard blacked out in the frame


def frame_pictures(rgb) -> tuple[QImage, bytes]:
    """The timeline thumbnail (``THUMBNAIL_WIDTH`` wide) and the keepsake JPEG kept for export
    while the frame's carrier is in memory; made here in the worker, off the GUI thread."""
    thumbnail = to_qimage(rgb, THUMBNAIL_WIDTH)
    return thumbnail, keepsake_jpeg(to_qimage(rgb, rgb.shape[1]))


def default_engine_factory(request: ModelRequest, status: Callable[[str], None]):
    """Check the model and the device (fast, no weights), then load."""
    from videoscan_core.adapters.model_check import check_model, device_problem
    from videoscan_core.errors import ModelLoadError
    from videoscan_core.stream.engine import StreamingEngine

    check_model(request.source)
    problem = device_problem(request.config.device or "auto")
    if problem:
        raise ModelLoadError(problem)

    engine = StreamingEngine.from_pretrained(request.source, request.config, status=status)
    runtime = getattr(engine.model, "vision_runtime", None)
    if runtime is not None and runtime.needs_preparing:  # while "Loading" shows, not mid-stream
        status("Preparing the faster vision runtime (the first time takes about a minute)…")
        runtime.warm_up()
    # untrained checkpoints get their family's training-free preset where the user chose nothing
    engine.configure(request.config)
    return engine


def devices_here() -> list[str]:
    from videoscan_core.adapters.model_check import available_devices

    return available_devices()
