"""A full timeline stays readable: it follows the newest frames unless the user scrolled away,
keeps time labels when scrolled, draws thumbnails in their frame's aspect ratio, and evicted
ticks never cover the faded thumbnails."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from app.models.timeline import TimelineModel
from app.widgets.memory_timeline import MemoryTimeline

from .test_timeline import event, thumbnail


def full_timeline(qtbot, frames: int = 64, width: int = 700):
    model = TimelineModel()
    for index in range(frames):
        model.on_frame(event(index, float(index)), thumbnail())
    model.capacity = 64
    widget = MemoryTimeline(model)
    qtbot.addWidget(widget)
    widget.resize(width, widget.sizeHint().height())
    widget.show()
    qtbot.waitExposed(widget)
    widget.grab()
    return model, widget


def add_frame(model, widget) -> None:
    index = max(model.items) + 1
    model.on_frame(event(index, float(index)), thumbnail())
    widget.refresh()
    widget.grab()
    widget.grab()  # (a paint that moved the scroll bar paints again)


def test_it_follows_the_newest_frames_unless_scrolled_away(qtbot):
    model, widget = full_timeline(qtbot)
    scroll = widget.scroll
    assert scroll.isVisible() and scroll.value() == scroll.maximum() > 0  # the newest in view
    add_frame(model, widget)
    assert scroll.value() == scroll.maximum()
    scroll.setValue(0)  # the user looks at the start
    add_frame(model, widget)
    assert scroll.value() == 0
    scroll.setValue(scroll.maximum())  # back at the end: following again
    add_frame(model, widget)
    assert scroll.value() == scroll.maximum()


def test_time_labels_stay_when_scrolled(qtbot):
    model, widget = full_timeline(qtbot)
    widget.scroll.setValue(widget.scroll.maximum() // 2)
    widget.grab()
    texts = [text for _, text in widget.axis_labels]
    assert len(texts) >= 2 and "0:00" not in texts  # the times of what is in view
    assert texts == sorted(texts, key=lambda t: [int(p) for p in t.split(":")])
    widget.scroll.setValue(0)
    widget.grab()
    assert widget.axis_labels[0][1] == "0:00"


def test_thumbnails_keep_their_aspect_ratio(qtbot):
    model = TimelineModel()
    square = QImage(90, 90, QImage.Format.Format_RGB888)
    square.fill(Qt.GlobalColor.red)
    model.on_frame(event(0, 0.0), square)
    model.now = 10.0
    widget = MemoryTimeline(model)
    qtbot.addWidget(widget)
    widget.resize(700, widget.sizeHint().height())
    image = widget.grab().toImage()
    box = widget._hit_boxes[0][0].adjusted(2, 2, -2, -2)  # (hit boxes have 2 px slack)
    centre = image.pixelColor(box.center().toPoint())
    side = image.pixelColor(int(box.left()) + 3, int(box.center().y()))
    assert centre.red() > 200 and centre.green() < 60
    assert not (side.red() > 200 and side.green() < 60)  # a square, not stretched to 16:9


def test_evicted_ticks_do_not_cover_faded_thumbnails(qtbot):
    model = TimelineModel(max_evicted=300)
    for index in range(40):
        model.on_frame(event(index, index * 0.2), thumbnail(Qt.GlobalColor.red))
    model.on_frame(event(40, 60.0, evicted=range(40)), thumbnail())
    widget = MemoryTimeline(model)
    qtbot.addWidget(widget)
    widget.resize(700, widget.sizeHint().height())
    image = widget.grab().toImage()
    faded = [box for box, item in widget._hit_boxes if not item.retained and box.width() > 20]
    assert faded
    box = faded[0].adjusted(4, 4, -4, -4)
    for x in range(int(box.left()), int(box.right())):  # across the faded red thumbnail
        colour: QColor = image.pixelColor(x, int(box.center().y()))
        assert colour.red() > colour.green() + 30, (x, colour.getRgb())  # red, no grey bar
