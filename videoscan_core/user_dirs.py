"""Per-user folders of the core and the app (cache, logs, settings), through platformdirs.

Contract: ``cache_dir()``, ``log_dir()``, ``config_dir()`` and ``data_dir()`` return the folder
(not created) for the running platform, chosen from ``sys.platform`` at call time (so tests can
exercise the Windows and macOS rules on Linux): Linux follows XDG (``~/.cache/videoscan``,
``~/.local/state/videoscan``, ``~/.config/videoscan``, ``~/.local/share/videoscan``), Windows
``%LOCALAPPDATA%\\videoscan\\...``, macOS ``~/Library/Caches|Logs|Application Support/videoscan``.
``app_log_file()`` is the desktop app's log in ``log_dir()``, and ``recovery_dir()`` beside it
keeps the conversations saved when the app is stopped by a signal (the app's only folders: one
home for every "where is it"). Model weights are not here: they live in the Hugging Face
cache, whose own conventions (``HF_HOME``) apply.
"""

from __future__ import annotations

import sys
from pathlib import Path

from platformdirs.api import PlatformDirsABC

APP_NAME = "videoscan"


def platform_dirs(platform: str | None = None) -> PlatformDirsABC:
    """platformdirs' rules for ``platform`` (default: this one)."""
    platform = platform or sys.platform
    if platform == "win32":
        from platformdirs.windows import Windows

        return Windows(APP_NAME, appauthor=False)
    if platform == "darwin":
        from platformdirs.macos import MacOS

        return MacOS(APP_NAME)
    from platformdirs.unix import Unix

    return Unix(APP_NAME)


def cache_dir() -> Path:
    """Regenerable files (the demo videos)."""
    return platform_dirs().user_cache_path


def log_dir() -> Path:
    """Log files. On Linux ``$XDG_STATE_HOME/videoscan`` (no extra ``log`` level, as before)."""
    dirs = platform_dirs()
    if sys.platform.startswith("linux"):
        return dirs.user_state_path
    return dirs.user_log_path


def app_log_file() -> Path:
    """The desktop app's log (it rotates beside itself)."""
    return log_dir() / "videoscan-desktop.log"


def recovery_dir() -> Path:
    """Conversations saved when the app is stopped by a signal."""
    return log_dir() / "recovered"


def config_dir() -> Path:
    """Settings files."""
    return platform_dirs().user_config_path


def data_dir() -> Path:
    """The user's own data kept on request (the screen-text history)."""
    return platform_dirs().user_data_path
