"""Placing timeline thumbnails so that none hides another (no Qt).

Contract: ``place(xs, width, lanes, gap)`` takes the true x of each item (sorted by time) and
returns ``(lane, x)`` per item: each item goes to the lane where it can sit closest to its true x,
pushed right past the previous thumbnail of that lane when needed, so no two thumbnails of a lane
overlap. The caller draws a tick at the true x and scrolls when the last x passes the view.
"""

from __future__ import annotations


def place(
    xs: list[float], width: float, lanes: int = 2, gap: float = 2.0
) -> list[tuple[int, float]]:
    """``xs`` ascending; thumbnails ``width`` wide; returns (lane, left x) for each."""
    free = [-1e18] * max(1, lanes)
    placed = []
    for x in xs:
        lane = min(range(len(free)), key=lambda i: (max(x, free[i]) - x, i))
        left = max(x, free[lane])
        free[lane] = left + width + gap
        placed.append((lane, left))
    return placed


def content_width(placed: list[tuple[int, float]], width: float) -> float:
    """The right edge of the last thumbnail (0 when none)."""
    return max((left + width for _, left in placed), default=0.0)
