"""Picks the window-list implementation for this platform.

Contract: ``make_lister(platform=None)`` returns a ``windows.WindowLister`` for ``sys.platform``:
X11 (python-xlib), Windows (user32 through ctypes), macOS (Quartz through pyobjc); it raises
``WindowListUnavailable`` when none can work (a Wayland session without XWayland, a missing
package, no display).
"""

from __future__ import annotations

import sys

from .windows import WindowLister, WindowListUnavailable, wayland_without_x


def make_lister(platform: str | None = None) -> WindowLister:
    """The window list of this desktop; raises ``WindowListUnavailable``."""
    platform = platform or sys.platform
    if platform == "win32":
        from .win32_windows import Win32Windows

        return Win32Windows()
    if platform == "darwin":
        from .macos_windows import QuartzWindows

        return QuartzWindows()
    if wayland_without_x():
        raise WindowListUnavailable(
            "this Wayland session has no XWayland: windows cannot be listed"
        )
    from .x11_windows import X11Windows

    return X11Windows()
