"""Where the app keeps its log, from Qt's ``QStandardPaths`` (portable).

Contract: ``log_file()`` is ``<state>/videoscan/videoscan-desktop.log`` and ``recovery_folder()``
is ``<state>/videoscan/recovered`` (conversations saved when the app is stopped by a signal), where
``<state>`` is
Qt's generic state location (``~/.local/state`` on Linux, honouring ``XDG_*``;
``%LOCALAPPDATA%`` on Windows; ``~/Library/Preferences`` on macOS). When Qt gives no location,
the core's platformdirs folder is used. The demo videos' cache is the core's
(``videoscan_core.capture.demo_cache``). Nothing is created here. Safe to call
before a ``QApplication`` exists.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths

from videoscan_core import user_dirs

APP_FOLDER = "videoscan"
LOG_NAME = "videoscan-desktop.log"


def _generic(location: QStandardPaths.StandardLocation) -> Path | None:
    found = QStandardPaths.writableLocation(location)
    return Path(found) / APP_FOLDER if found else None


def log_file() -> Path:
    folder = _generic(QStandardPaths.StandardLocation.GenericStateLocation)
    return (folder or user_dirs.log_dir()) / LOG_NAME



def recovery_folder() -> Path:
    return log_file().parent / "recovered"
