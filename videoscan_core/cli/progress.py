"""The progress bar of commands that stream a video (``run``, ``watch``, ``find``): frames on
stderr.

Contract: ``frame_progress(total, enabled, desc)`` is a tqdm bar on stderr counting frames
(``total`` may be 0: unknown), or None when disabled (``--no-progress``); ``say(progress, line)``
prints a line on stdout without breaking the bar.
"""

from __future__ import annotations

import sys


def frame_progress(total: int, enabled: bool = True, desc: str = "streaming"):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total or None, unit="frame", desc=desc, file=sys.stderr, dynamic_ncols=True)


def say(progress, line: str) -> None:
    if progress is None:
        print(line, flush=True)
    else:
        progress.write(line, file=sys.stdout)
        sys.stdout.flush()
