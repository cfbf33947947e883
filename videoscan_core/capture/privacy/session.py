"""Why the session says capture should pause: a locked screen, no input for a while, battery.

Contract: ``session_pause_reason(rules, lister, battery)`` returns a short reason ("the screen
is locked", "no input for 10 minutes", "on battery power") or "" to capture. The lock comes
from the window lister's platform check (X11: the MIT-SCREEN-SAVER state, which screen lockers
such as xscreensaver/light-locker set; Windows: the input desktop; macOS: the session
dictionary) or from ``locked()``, a desktop check given by the caller (the app gives the
freedesktop ``org.freedesktop.ScreenSaver.GetActive`` D-Bus call of GNOME, KDE and XFCE, made
through Qt). Idle time comes from the lister (X11 screensaver info, ``GetLastInputInfo``,
Quartz). Battery from ``psutil.sensors_battery()``; a machine without a
battery never pauses for it. A check that cannot be made does not pause.
"""

from __future__ import annotations

from collections.abc import Callable

import psutil

from .rules import PrivacyRules


def no_lock_check() -> bool:
    """The default desktop lock check: none (the lister's platform check still applies); the
    app installs its D-Bus check with ``PrivacyGuard.set_lock_check``."""
    return False


def on_battery(battery: Callable | None = None) -> bool:
    try:
        state = (battery or psutil.sensors_battery)()
    except Exception:  # not supported on this platform
        return False
    return state is not None and state.power_plugged is False


def session_pause_reason(
    rules: PrivacyRules,
    lister=None,
    battery: Callable | None = None,
    locked: Callable[[], bool] = no_lock_check,
) -> str:
    if rules.pause_when_locked:
        platform_lock = getattr(lister, "screen_saver_active", None)
        if (platform_lock is not None and platform_lock()) or locked():
            return "the screen is locked"
    if rules.idle_minutes > 0 and lister is not None:
        idle = getattr(lister, "idle_seconds", lambda: None)()
        if idle is not None and idle >= rules.idle_minutes * 60:
            return f"no input for {rules.idle_minutes:g} minutes"
    if rules.pause_on_battery and on_battery(battery):
        return "on battery power"
    return ""
