"""Refuse to start on a Qt binding that would crash the app minutes later.

Contract: ``none_reference_leak(calls)`` makes ``calls`` void Qt calls (``QLabel.setText``) and
returns how many references to ``None`` they lost (0 on a sound binding). PySide6-Essentials
6.12.0 (a cp310-abi3 wheel) loses one per void call on Python 3.11, where ``None`` is not immortal:
the timeline and plots make ~420 such calls per processed frame, so ``None``'s count reaches zero
and CPython aborts ("none_dealloc: deallocating None") after a few minutes of watching.
``binding_problem()`` is the one line for people when that is so, else None. Needs a
``QApplication``.
"""

from __future__ import annotations

import sys

PROBE_CALLS = 200
SOUND_VERSION = "6.11.3"  # requirements.txt pins it


def none_reference_leak(calls: int = PROBE_CALLS) -> int:
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    label.setText("warm-up")  # first calls may cache something; measure after them
    before = sys.getrefcount(None)
    for _ in range(calls):
        label.setText("probe")
    lost = before - sys.getrefcount(None)
    label.deleteLater()
    return max(0, lost)


def binding_problem() -> str | None:
    import PySide6

    lost = none_reference_leak()
    if lost < PROBE_CALLS // 2:
        return None
    return (
        f"PySide6 {PySide6.__version__} on Python {sys.version_info.major}."
        f"{sys.version_info.minor} loses a reference to None on every Qt call and would crash "
        f"this app within minutes; install PySide6-Essentials=={SOUND_VERSION} "
        "(scripts/setup.sh does) or use Python 3.12 or newer"
    )
