"""Export what the assistant remembers: the frames behind the carriers now in memory.

Contract: ``keepsake_jpeg(image)`` makes the small JPEG kept per carrier while it is in memory
(longest side at most ``KEEPSAKE_SIDE``, never enlarged; 21-29 KB measured on screenshots of this
app, so M=64 holds about 2 MB; photos and noise compress worse). ``export_remembered_frames(items,
folder)`` writes the retained items' JPEGs and an ``index.json`` (frame index, time range, file)
into a new ``videoscan-frames-<date-time>`` folder inside ``folder`` and returns that folder and
the number of frames written; it raises ``OSError`` with a message for people when it cannot write.
``export_with_dialog(window, timeline_model, banner, on_error)`` asks for the folder and reports
the result in the banner (with an Open folder button), a failure through ``on_error``. This is
the only place frames reach the disk, and only when the user asks.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QImage
from PySide6.QtWidgets import QFileDialog, QMainWindow

from ..models.conversation import clock_parts
from ..models.timeline import TimelineItem, TimelineModel

if TYPE_CHECKING:
    from ..widgets.error_banner import ErrorBanner

KEEPSAKE_SIDE = 480
JPEG_QUALITY = 88


def keepsake_jpeg(image: QImage) -> bytes:
    """The frame as JPEG bytes, its longest side at most ``KEEPSAKE_SIDE`` (never enlarged)."""
    if max(image.width(), image.height()) > KEEPSAKE_SIDE:
        image = image.scaled(
            KEEPSAKE_SIDE,
            KEEPSAKE_SIDE,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "JPEG", JPEG_QUALITY)
    buffer.close()
    return bytes(data.data())


def _clock_name(seconds: float) -> str:
    """'01m05s', '1h02m03s': a time in the stream as part of a file name."""
    hours, minutes, secs = clock_parts(seconds)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes:02d}m{secs:02d}s"


def _new_folder(parent: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for attempt in range(100):
        folder = parent / (f"videoscan-frames-{stamp}" + (f"-{attempt}" if attempt else ""))
        try:
            folder.mkdir(parents=True)
            return folder
        except FileExistsError:
            continue
        except OSError as error:
            raise OSError(f"cannot create {folder}: {error.strerror or error}") from None
    raise OSError(f"cannot create a new folder in {parent}")


def export_remembered_frames(items: Iterable[TimelineItem], folder: str | Path) -> tuple[Path, int]:
    """Write the retained items' keepsakes and ``index.json`` into a new folder in ``folder``."""
    target = _new_folder(Path(folder))
    entries = []
    try:
        for item in sorted(items, key=lambda item: item.frame_index):
            if not item.retained or item.keepsake is None:
                continue
            name = f"frame-{item.frame_index:06d}-at-{_clock_name(item.timestamp)}.jpg"
            (target / name).write_bytes(item.keepsake)
            entries.append(
                {
                    "frame_index": item.frame_index,
                    "timestamp": item.timestamp,
                    "until": item.until,
                    "file": name,
                }
            )
        index = json.dumps({"frames": entries}, indent=2)
        (target / "index.json").write_text(index, encoding="utf-8")
    except OSError as error:
        raise OSError(f"cannot write in {target}: {error.strerror or error}") from None
    return target, len(entries)


def export_with_dialog(
    window: QMainWindow,
    timeline_model: TimelineModel,
    banner: ErrorBanner,
    on_error: Callable[[str], None],
) -> None:
    """File > Export remembered frames: choose a folder, write, say what happened."""
    if not timeline_model.retained:
        window.statusBar().showMessage("Nothing in memory yet: no frames to export", 5000)
        return
    folder = QFileDialog.getExistingDirectory(window, "Export remembered frames into a folder")
    if not folder:
        return
    try:  # what is in memory now, after the dialog: frames kept arriving while it was open
        target, count = export_remembered_frames(timeline_model.retained, folder)
    except OSError as error:
        on_error(f"Could not export the frames: {error}")
        return
    open_folder = ("Open folder", lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(target))))
    banner.show_note(f"Saved {count} remembered frames to {target}", open_folder)
