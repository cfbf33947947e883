"""Qt-free frame capture for the app, the server and MCP: sources (screen, region, window, webcam,
video file, demo video), the privacy guard that screen and window sources capture through
(``privacy``), the change detector and the live sessions' clock."""

from .base import CaptureError, FrameSource, SourceSpec
from .sources import open_source
from .withheld import Withheld

__all__ = ["CaptureError", "FrameSource", "SourceSpec", "Withheld", "open_source"]
