"""The demo videos on disk: made once, never left half-written, found again after a crash.

Contract: ``ensure_demo_video(number, folders)`` returns a readable ``demo-<number>.mp4``: the
one already in the first usable folder (by default the user's cache folder, then a private folder
under the system's temporary folder when the cache cannot be written, e.g. an unwritable HOME),
or a new one, written under a temporary name and renamed into place (a crash or kill during the
write leaves no broken file that would be reused). A folder is made private (0700), and one that
another user owns is not used (they could replace the video). A file there that cannot be read
is made again. When no folder works it raises ``OSError`` with one line for people (``sources``
turns it into a ``CaptureError``).
"""

from __future__ import annotations

import getpass
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..errors import VideoReadError
from ..user_dirs import cache_dir
from ..video import probe_video


def default_folders() -> list[Path]:
    try:
        user = getpass.getuser()
    except Exception:  # no user name (containers): still a folder of our own
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    return [cache_dir(), Path(tempfile.gettempdir()) / f"videoscan-{user}"]


def _owned(folder: Path) -> bool:
    try:
        _check_owner(folder)
    except OSError:
        return False
    return True


def _check_owner(folder: Path) -> None:
    """The shared temporary folder is only used when this user owns our folder there (another
    user could have made it first, and replace the video)."""
    if hasattr(os, "getuid") and folder.stat().st_uid != os.getuid():
        raise OSError(f"{folder} belongs to another user")


def readable(path: Path) -> bool:
    try:
        return path.is_file() and probe_video(path).frame_count > 0
    except (VideoReadError, OSError):
        return False


def ensure_demo_video(number: int, folders: Sequence[Path] | None = None) -> Path:
    from ..eval.demo import write_demo_video

    problems = []
    for folder in folders if folders is not None else default_folders():
        path = Path(folder) / f"demo-{number}.mp4"
        if readable(path) and _owned(path.parent):
            return path
        partial = path.with_name(f".demo-{number}.partial.mp4")  # OpenCV needs the extension
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            _check_owner(path.parent)
            write_demo_video(partial, seed=number)
            if not readable(partial):  # OpenCV fails silently on a folder it cannot write
                raise OSError(f"could not write {partial}")
            os.replace(partial, path)
            return path
        except OSError as error:
            problems.append(f"{folder}: {error.strerror or error}")
            if partial.parent.is_dir():
                partial.unlink(missing_ok=True)
    raise OSError(f"cannot write the demo video ({'; '.join(problems)})")
