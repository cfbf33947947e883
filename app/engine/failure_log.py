"""Logging a failure that repeats: the traceback once, then a count.

Contract: ``FailureLog(logger, what)``; ``failed()`` (inside an ``except``) logs the traceback the
first time since the last success and returns True then; later failures only count, with one
summary line at 10, 100, 1000… ``succeeded()`` logs how many failed before it (if any) and starts
over. Qt-free, not thread-safe (one owner thread). ``describe_error(error)`` is the one line
for the error banner.
"""

from __future__ import annotations

import logging

from videoscan_core.errors import VideoScanError, describe, is_out_of_memory


class FailureLog:
    def __init__(self, logger: logging.Logger, what: str) -> None:
        self.logger = logger
        self.what = what
        self.count = 0  # failures since the last success

    def failed(self) -> bool:
        self.count += 1
        if self.count == 1:
            self.logger.exception("%s failed", self.what)
            return True
        if self.count in (10, 100, 1000) or self.count % 10000 == 0:
            self.logger.warning("%s failed %d times since the last success", self.what, self.count)
        return False

    def succeeded(self) -> None:
        if self.count:
            self.logger.info("%s works again after %d failures", self.what, self.count)
        self.count = 0


MEMORY_ADVICE = (
    "lower the memory size in Settings, choose a smaller model, or use bfloat16 on a GPU"
)


def describe_error(error: BaseException) -> str:
    """One line for the error banner (``errors.describe``, capitalised; "Unexpected error" for
    what no one foresaw)."""
    line = describe(error, MEMORY_ADVICE)
    if isinstance(error, VideoScanError):
        return line
    if is_out_of_memory(error):
        return line[:1].upper() + line[1:]
    return f"Unexpected error ({line})"
