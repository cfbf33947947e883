"""Exceptions whose message is written for the person using the app or the CLI.

Contract: every error the core raises for a bad input or a missing resource is a
``VideoScanError``; its ``str()`` is one line that says what is wrong and what to do.
"""

from __future__ import annotations


class VideoScanError(Exception):
    """Base class: an expected failure with a human-readable message."""


class ModelNotFoundError(VideoScanError):
    """The model folder or hub id cannot be found (or not offline)."""


class ModelLoadError(VideoScanError):
    """The model exists but cannot be loaded (unsupported layout, corrupt files)."""


class VideoReadError(VideoScanError):
    """A video file is missing, unreadable, not a video, or has no frames."""


class OutOfMemoryError(VideoScanError):
    """The device ran out of memory."""


class StepAborted(VideoScanError):
    """A frame step or answer was interrupted by ``request_abort`` (e.g. the app is closing)."""
