"""Process memory and CPU figures for reports, portable through psutil.

Contract: ``current_rss_mb()`` is this process's resident set size now (MiB);
``peak_rss_mb()`` its peak since start: Linux reads ``VmHWM`` from /proc, Windows the peak working
set psutil reports, elsewhere (macOS) the largest value this module has seen (a lower bound,
sampled whenever either function is called). ``cpu_count()`` is the number of logical CPUs.
No Unix-only module (``resource``, ``fcntl``) is imported, so this runs on Windows.
"""

from __future__ import annotations

import psutil

MIB = 1024 * 1024
_seen_peak = 0.0
_process: psutil.Process | None = None


def _me() -> psutil.Process:
    global _process
    if _process is None:
        _process = psutil.Process()
    return _process


def current_rss_mb() -> float:
    """Current resident set size in MiB."""
    global _seen_peak
    rss = _me().memory_info().rss / MIB
    _seen_peak = max(_seen_peak, rss)
    return rss


def _linux_peak_mb() -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except (OSError, ValueError, IndexError):
        return None
    return None


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MiB."""
    rss = current_rss_mb()
    peak = getattr(_me().memory_info(), "peak_wset", None)  # Windows only
    if peak is not None:
        return max(rss, peak / MIB)
    linux = _linux_peak_mb()
    return max(rss, linux if linux is not None else _seen_peak)


def cpu_count() -> int:
    """Logical CPUs on this machine (at least 1)."""
    return psutil.cpu_count(logical=True) or 1
