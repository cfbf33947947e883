"""Exporting the remembered frames: only carriers in memory, readable images, a true index."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from app.engine.loading import THUMBNAIL_WIDTH, frame_pictures
from app.features.memory_export import KEEPSAKE_SIDE, export_remembered_frames, keepsake_jpeg
from app.models.timeline import TimelineModel
from videoscan_core.events import CarrierInfo, FrameEvent, MemorySnapshot


def event(index, t, evicted=()):
    return FrameEvent(
        index, t, tuple(CarrierInfo(i, float(i), float(i)) for i in evicted), 0, 0, 0, 1.0, 1.0
    )


def jpeg(shade: int) -> bytes:
    image = QImage(120, 68, QImage.Format.Format_RGB888)
    image.fill(QColor(shade, shade, shade))
    return keepsake_jpeg(image)


@pytest.mark.parametrize(
    "height, width, expected",
    [(720, 1280, (480, 270)), (1920, 1080, (270, 480)), (48, 64, (64, 48)), (30, 2000, (480, 7))],
)
def test_worker_pictures_bound_the_keepsake_and_never_enlarge_it(height, width, expected):
    rgb = np.zeros((height, width, 3), np.uint8)
    rgb[: height // 2] = (200, 30, 30)  # top half red
    thumbnail, keepsake = frame_pictures(rgb)
    assert thumbnail.width() == THUMBNAIL_WIDTH
    image = QImage.fromData(keepsake, "JPEG")
    assert (image.width(), image.height()) == expected
    assert max(expected) <= KEEPSAKE_SIDE and len(keepsake) < 60_000
    top = image.pixelColor(image.width() // 2, 0)
    assert top.red() > 150 and top.green() < 80  # the picture itself, not a blank


def test_evicted_carriers_drop_their_keepsakes():
    model = TimelineModel()
    for i in range(4):
        model.on_frame(event(i, float(i)), None, jpeg(i))
    model.on_frame(event(4, 4.0, evicted=[1]), None, jpeg(4))
    assert model.items[1].keepsake is None and model.items[0].keepsake is not None
    snapshot = MemorySnapshot(5, 3, tuple(CarrierInfo(i, float(i), float(i)) for i in (2, 3, 4)))
    model.on_snapshot(snapshot)  # frame 0 leaves memory outside a frame step
    assert [i for i, item in model.items.items() if item.keepsake is not None] == [2, 3, 4]


def test_export_writes_one_image_per_carrier_in_memory_into_a_new_folder(tmp_path):
    model = TimelineModel()
    for i in range(5):
        model.on_frame(event(i, i * 75.0), None, jpeg(40 * i))
    model.on_frame(event(5, 3700.0, evicted=[0, 2]), None, jpeg(250))
    target, count = export_remembered_frames(model.retained, tmp_path)
    again, _ = export_remembered_frames(model.retained, tmp_path)
    assert target.parent == tmp_path and target.name.startswith("videoscan-frames-")
    assert again != target  # a second export never mixes with the first
    entries = json.loads((target / "index.json").read_text())["frames"]
    assert count == 4 and [entry["frame_index"] for entry in entries] == [1, 3, 4, 5]
    assert entries[0]["file"] == "frame-000001-at-01m15s.jpg"
    assert entries[-1]["file"] == "frame-000005-at-1h01m40s.jpg"
    assert sorted(p.name for p in target.glob("*.jpg")) == [e["file"] for e in entries]
    saved = QImage(str(target / entries[1]["file"]))
    assert (saved.width(), saved.height()) == (120, 68)
    assert abs(saved.pixelColor(5, 5).red() - 120) <= 3  # frame 3's shade, not another's


def test_export_to_an_unwritable_place_says_why(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    model = TimelineModel()
    model.on_frame(event(0, 0.0), None, jpeg(10))
    with pytest.raises(OSError, match="cannot create"):
        export_remembered_frames(model.retained, blocker)
