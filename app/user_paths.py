"""Where the app keeps its log and cache, from Qt's ``QStandardPaths`` (portable).

Contract: ``log_file()`` is ``<state>/videoscan/videoscan-desktop.log`` and ``cache_folder()``
``<cache>/videoscan``, where ``<state>``/``<cache>`` are Qt's generic state and cache locations
(``~/.local/state`` and ``~/.cache`` on Linux, honouring ``XDG_*``; ``%LOCALAPPDATA%`` on
Windows; ``~/Library/Preferences`` and ``~/Library/Caches`` on macOS). When Qt gives no
location, the core's platformdirs folders are used. Nothing is created here. Safe to call
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


def cache_folder() -> Path:
    folder = _generic(QStandardPaths.StandardLocation.GenericCacheLocation)
    return folder or user_dirs.cache_dir()
