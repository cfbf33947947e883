"""Exporting the remembered frames: only carriers in memory, readable PNGs, a true index."""

from __future__ import annotations

import json

import pytest
from PySide6.QtGui import QColor, QImage

from app.memory_export import export_remembered_frames
from app.timeline_model import TimelineModel
from videoscan_core.events import CarrierInfo, FrameEvent, MemorySnapshot


def event(index, t, evicted=()):
    return FrameEvent(
        index, t, tuple(CarrierInfo(i, float(i), float(i)) for i in evicted), 0, 0, 0, 1.0, 1.0
    )


def picture(shade: int) -> QImage:
    image = QImage(120, 68, QImage.Format.Format_RGB888)
    image.fill(QColor(shade, shade, shade))
    return image


def test_evicted_carriers_drop_their_keepsakes():
    model = TimelineModel()
    for i in range(4):
        model.on_frame(event(i, float(i)), None, picture(i))
    model.on_frame(event(4, 4.0, evicted=[1]), None, picture(4))
    assert model.items[1].keepsake is None and model.items[0].keepsake is not None
    snapshot = MemorySnapshot(5, 3, tuple(CarrierInfo(i, float(i), float(i)) for i in (2, 3, 4)))
    model.on_snapshot(snapshot)  # frame 0 leaves memory outside a frame step
    assert [i for i, item in model.items.items() if item.keepsake is not None] == [2, 3, 4]


def test_export_writes_one_png_per_carrier_in_memory(tmp_path):
    model = TimelineModel()
    for i in range(5):
        model.on_frame(event(i, i * 75.0), None, picture(40 * i))
    model.on_frame(event(5, 3700.0, evicted=[0, 2]), None, picture(250))
    index = export_remembered_frames(model.retained, tmp_path / "out")
    entries = json.loads(index.read_text())["frames"]
    assert [entry["frame_index"] for entry in entries] == [1, 3, 4, 5]
    assert entries[0]["file"] == "frame-000001-at-01m15s.png"
    assert entries[-1]["file"] == "frame-000005-at-1h01m40s.png"
    assert sorted(p.name for p in (tmp_path / "out").glob("*.png")) == [e["file"] for e in entries]
    saved = QImage(str(tmp_path / "out" / entries[1]["file"]))
    assert saved.size() == picture(0).size()
    assert saved.pixelColor(5, 5) == picture(120).pixelColor(5, 5)


def test_export_to_an_unwritable_place_says_why(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    model = TimelineModel()
    model.on_frame(event(0, 0.0), None, picture(10))
    with pytest.raises(OSError, match="cannot create"):
        export_remembered_frames(model.retained, blocker / "frames")
