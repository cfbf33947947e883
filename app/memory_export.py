"""Export what the assistant remembers: the frames behind the carriers now in memory.

Contract: ``export_remembered_frames(items, folder)`` writes one PNG per retained timeline item
that has a keepsake image (the frame, at most 480 pixels wide, kept only while its carrier is
in memory) and an ``index.json`` listing frame index, time range and file; it returns the
index path and raises ``OSError`` with a message for people when the folder cannot be written.
``export_with_dialog(window)`` asks for a folder and reports the result in the window. This is the
only place frames reach the disk, and only when the user asks.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from .timeline_model import TimelineItem


def _clock_name(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes:02d}m{secs:02d}s"


def export_remembered_frames(items: Iterable[TimelineItem], folder: str | Path) -> Path:
    """Write the retained items' keepsake images and ``index.json`` into ``folder``."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OSError(f"cannot create {folder}: {error.strerror or error}") from None
    entries = []
    for item in sorted(items, key=lambda item: item.frame_index):
        if not item.retained or item.keepsake is None:
            continue
        name = f"frame-{item.frame_index:06d}-at-{_clock_name(item.timestamp)}.png"
        if not item.keepsake.save(str(folder / name)):
            raise OSError(f"cannot write {folder / name} (is the folder writable?)")
        entries.append(
            {
                "frame_index": item.frame_index,
                "timestamp": item.timestamp,
                "until": item.until,
                "file": name,
            }
        )
    index = folder / "index.json"
    try:
        index.write_text(json.dumps({"frames": entries}, indent=2), encoding="utf-8")
    except OSError as error:
        raise OSError(f"cannot write {index}: {error.strerror or error}") from None
    return index


def export_with_dialog(window) -> None:
    """File > Export remembered frames: choose a folder, write, say what happened."""
    retained = window.timeline_model.retained
    if not retained:
        window.statusBar().showMessage("Nothing in memory yet: no frames to export", 5000)
        return
    folder = QFileDialog.getExistingDirectory(window, "Export remembered frames to a folder")
    if not folder:
        return
    try:
        index = export_remembered_frames(retained, folder)
    except OSError as error:
        window.show_error(f"Could not export the frames: {error}")
        return
    window.statusBar().showMessage(
        f"Saved {len(retained)} remembered frames to {index.parent}", 8000
    )
