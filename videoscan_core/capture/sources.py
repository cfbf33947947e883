"""Opening a frame source from its spec: the one place that knows every source class.

Contract: ``open_source(spec)`` creates the ``FrameSource`` for a ``SourceSpec`` (screen, region,
window, webcam, demo video, video file) and opens it; failures raise ``CaptureError``. Kept apart
from ``base`` so the source classes import ``base`` without an import cycle.
"""

from __future__ import annotations

from .base import CaptureError, FrameSource, SourceSpec
from .demo_cache import ensure_demo_video
from .screen import ScreenSource
from .video_file import VideoFileSource
from .webcam import WebcamSource
from .window_source import WindowSource


def demo_video_path(number: int):
    """A synthetic demo video (generated once into the user's cache folder; see demo_cache)."""
    try:
        return ensure_demo_video(number)
    except OSError as error:  # e.g. no writable cache and no temporary folder
        raise CaptureError(str(error)) from None


def open_source(spec: SourceSpec) -> FrameSource:
    """Create and open the source for a spec."""
    if spec.kind in ("screen", "region"):
        source: FrameSource = ScreenSource(
            spec.monitor, spec.region if spec.kind == "region" else None
        )
    elif spec.kind == "window":
        source = WindowSource(spec.path)
    elif spec.kind == "webcam":
        source = WebcamSource(spec.device)
    elif spec.kind == "demo":
        source = VideoFileSource(str(demo_video_path(int(spec.device))))
    else:
        source = VideoFileSource(spec.path)
    source.open()
    return source
