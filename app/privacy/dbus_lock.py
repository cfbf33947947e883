"""The desktop's lock screen through the session bus (Qt D-Bus), for the privacy guard.

Contract: ``dbus_screensaver_active()`` is True while the freedesktop screen saver (the lock
screen of GNOME, KDE, XFCE) is active; False without a session bus, off Linux, or when the call
cannot be made. The app installs it on the core's guard (``GUARD.set_lock_check``).
"""

from __future__ import annotations

import sys


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
