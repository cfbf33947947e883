"""Why the session says capture should pause: a locked screen, no input for a while, battery.

Contract: ``session_pause_reason(rules, lister, battery)`` returns a short reason ("the screen
is locked", "no input for 10 minutes", "on battery power") or "" to capture. The lock comes
from the window lister's platform check (X11: the MIT-SCREEN-SAVER state, which screen lockers
such as xscreensaver/light-locker set; Windows: the input desktop; macOS: the session
dictionary) or, on Linux, from the freedesktop ``org.freedesktop.ScreenSaver.GetActive`` D-Bus
call (GNOME, KDE, XFCE). Idle time comes from the lister (X11 screensaver info,
``GetLastInputInfo``, Quartz). Battery from ``psutil.sensors_battery()``; a machine without a
battery never pauses for it. A check that cannot be made does not pause.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import psutil

from .rules import PrivacyRules


def dbus_screensaver_active() -> bool:
    """The freedesktop screen saver (lock screen) is active; False without a session bus."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        from PySide6.QtDBus import QDBusConnection, QDBusInterface
    except ImportError:
        return False
    bus = QDBusConnection.sessionBus()
    if not bus.isConnected():
        return False
    interface = QDBusInterface(
        "org.freedesktop.ScreenSaver",
        "/org/freedesktop/ScreenSaver",
        "org.freedesktop.ScreenSaver",
        bus,
    )
    if not interface.isValid():
        return False
    interface.setTimeout(300)
    reply = interface.call("GetActive")
    arguments = reply.arguments()
    return bool(arguments and arguments[0] is True)


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
    locked: Callable[[], bool] = dbus_screensaver_active,
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
