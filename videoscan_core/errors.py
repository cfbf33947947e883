"""Exceptions whose message is written for the person using the app or the CLI, and the one
place where any other failure is put into words.

Contract: every error the core raises for a bad input or a missing resource is a
``VideoScanError``; its ``str()`` is one line that says what is wrong and what to do.
``first_line(error)`` is the one line of any error (its class name when it says nothing);
``caused_by(error, kinds)`` looks through the chain of causes by type; ``is_out_of_memory``
recognises running out of memory on any device (by type: ``MemoryError``, torch's
``OutOfMemoryError``, ours, and the CPU allocator's ``RuntimeError``); ``describe(error,
memory_advice)`` is the one line every entry point shows for a failure.
"""

from __future__ import annotations

import sys


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


def first_line(error: BaseException) -> str:
    """The first line of what ``error`` says (tracebacks and X11 errors span several), or its
    class name when it says nothing."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def caused_by(error: BaseException | None, kinds: type | tuple[type, ...]) -> bool:
    """Whether ``error`` or an error it was raised from (``__cause__``/``__context__``) is one of
    ``kinds``."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, kinds):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def _device_memory_errors() -> tuple[type, ...]:
    """torch's out-of-memory class, when torch is loaded (never imported here for it)."""
    torch = sys.modules.get("torch")
    kind = getattr(torch, "OutOfMemoryError", None) if torch is not None else None
    return (kind,) if isinstance(kind, type) else ()


def is_out_of_memory(error: BaseException) -> bool:
    """Running out of memory on the CPU or an accelerator."""
    if isinstance(error, (MemoryError, OutOfMemoryError, *_device_memory_errors())):
        return True
    return isinstance(error, RuntimeError) and "can't allocate memory" in str(error)


def describe(error: BaseException, memory_advice: str) -> str:
    """The one line for a failure: a ``VideoScanError``'s own words, "out of memory" with
    ``memory_advice`` (what to change, in the words of this entry point), or the unexpected
    error's class and first line."""
    if isinstance(error, VideoScanError):
        return first_line(error)
    if is_out_of_memory(error):
        return f"out of memory: {memory_advice}"
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0]}" if text else type(error).__name__
