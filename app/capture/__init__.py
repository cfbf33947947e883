"""Frame sources (screen, webcam, video file), change detection and paced capture."""

from .base import CaptureError, FrameSource, SourceSpec
from .sources import open_source

__all__ = ["CaptureError", "FrameSource", "SourceSpec", "open_source"]
