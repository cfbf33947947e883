"""A screen region fitted to the screen that exists.

Contract: ``fit_region((x, y, w, h), screen)`` with ``screen`` the virtual screen as mss gives it
(``{"left", "top", "width", "height"}``, monitor 0) returns the mss area of the part of the
region that lies on the screen (a region partly off-screen is clipped, as X11 refuses to grab
outside the screen with a raw multi-line error), and raises ``ValueError`` with one line for
people when nothing of it is on the screen or its size is not positive.
"""

from __future__ import annotations


def fit_region(region: tuple[int, int, int, int], screen: dict) -> dict:
    x, y, w, h = region
    if w <= 0 or h <= 0:
        raise ValueError(f"the region {x},{y},{w},{h} has no area (width and height must be > 0)")
    left, top = max(x, screen["left"]), max(y, screen["top"])
    right = min(x + w, screen["left"] + screen["width"])
    bottom = min(y + h, screen["top"] + screen["height"])
    if right <= left or bottom <= top:
        raise ValueError(
            f"the region {x},{y} {w}x{h} lies outside the screen "
            f"({screen['width']}x{screen['height']} at {screen['left']},{screen['top']})"
        )
    return {"left": left, "top": top, "width": right - left, "height": bottom - top}
