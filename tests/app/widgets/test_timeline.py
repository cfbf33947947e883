"""The timeline never hides a retained carrier; hover tells the time, a click shows the frame
large; an answer's evidence is outlined there and shown as clickable thumbnails under it."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage

from app.engine.answer_router import AnswerRouter
from app.models.timeline import TimelineModel
from app.models.timeline_layout import place
from app.widgets.chat_pane import ChatPane
from app.widgets.frame_viewer import FrameViewer
from app.widgets.memory_timeline import THUMB_H, THUMB_W, MemoryTimeline
from videoscan_core.events import AnswerChunk, CarrierInfo, FrameEvent


def event(index, t, evicted=()):
    carriers = tuple(CarrierInfo(i, float(i), float(i)) for i in evicted)
    return FrameEvent(index, t, carriers, 0, 0, 0, 1.0, 1.0)


def thumbnail(colour=Qt.GlobalColor.darkGreen) -> QImage:
    image = QImage(96, 54, QImage.Format.Format_RGB888)
    image.fill(colour)
    return image


def test_placement_pushes_right_and_never_overlaps_in_a_lane():
    xs = [0.0, 1.0, 2.0, 3.0, 50.0, 51.0, 300.0]
    placed = place(xs, 64, lanes=2)
    for (lane_a, x_a), (lane_b, x_b) in itertools.combinations(placed, 2):
        assert lane_a != lane_b or abs(x_a - x_b) >= 64
    assert all(left >= x for (_, left), x in zip(placed, xs, strict=True))
    assert placed[-1] == (0, 300.0)  # room enough: at its own time


def retained_boxes(widget):
    return [(box, item) for box, item in widget._hit_boxes if item.retained]


@pytest.mark.parametrize(
    "times, now",
    [
        ([0, 10, 20, 30, 40, 50], 60.0),  # a scene every 10 s on a narrow timeline
        ([i * 0.5 for i in range(64)], 600.0),  # 64 carriers crowded at the start
    ],
    ids=["scenes", "crowded"],
)
def test_every_retained_carrier_has_its_own_thumbnail(qtbot, times, now):
    model = TimelineModel()
    for index, t in enumerate(times):
        model.on_frame(event(index, float(t)), thumbnail())
    model.now, model.capacity = now, 64
    widget = MemoryTimeline(model)
    qtbot.addWidget(widget)
    widget.resize(700, widget.sizeHint().height())
    widget.show()
    qtbot.waitExposed(widget)
    widget.grab()
    seen, step = {}, max(1, widget.scroll.pageStep())
    for value in range(0, widget.scroll.maximum() + step, step):  # scroll through it all
        widget.scroll.setValue(value)
        widget.grab()
        for box, item in retained_boxes(widget):
            seen.setdefault(item.frame_index, box)
            assert box.width() >= THUMB_W and box.height() >= THUMB_H  # a thumbnail, not a tick
    assert sorted(seen) == list(range(len(times)))
    if len(times) == 64:
        assert widget.scroll.isVisible()


def test_hover_click_and_evidence_outline(qtbot):
    model = TimelineModel()
    for index in range(3):
        model.on_frame(event(index, index * 20.0), thumbnail(), keepsake=None)
    model.items[1].keepsake = _jpeg()
    widget = MemoryTimeline(model)
    qtbot.addWidget(widget)
    widget.resize(800, widget.sizeHint().height())
    widget.show()
    qtbot.waitExposed(widget)
    widget.grab()
    box = next(box for box, item in widget._hit_boxes if item.frame_index == 1)
    assert "Frame #1 at 0:20" in widget.tooltip_for(widget.item_at(*box.center().toTuple()))
    with qtbot.waitSignal(widget.sig_frame_clicked) as clicked:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=box.center().toPoint())
    viewer = FrameViewer(clicked.args[0])
    qtbot.addWidget(viewer)
    assert viewer.image.pixmap().width() == 320  # the full keepsake, not the thumbnail
    assert "0:20" in viewer.windowTitle()
    widget.set_highlight([1])
    image = widget.grab().toImage()
    edge = QPointF(box.left() + 2, box.center().y()).toPoint()  # (hit boxes have 2 px slack)
    colour = image.pixelColor(edge)
    assert colour.red() > 200 and colour.blue() < 80  # outlined in orange


def _jpeg() -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    image = QImage(320, 180, QImage.Format.Format_RGB888)
    image.fill(Qt.GlobalColor.red)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "JPEG")
    return bytes(data)


def test_answers_show_evidence_thumbnails_and_option_text(qtbot):
    model = TimelineModel()
    model.on_frame(event(7, 20.0), thumbnail(Qt.GlobalColor.red))
    pane = ChatPane()
    qtbot.addWidget(pane)
    pane.resize(600, 400)
    pane.show()
    question = "What colour was first? Options: (A) red (B) green (C) blue. Answer with a letter."
    router = AnswerRouter(pane.conversation, pane, MemoryTimeline(model))
    router.queued(1, question)
    chunk = AnswerChunk(
        "", True, "A", 1, "eos", 5.0, 9.0, evidence=(20.0, 95.0), evidence_frames=(7, 99)
    )
    router.finished(1, chunk)
    text = pane._view.toPlainText()
    assert "A (red)" in text and "0:20" in text and "1:35" in text  # 99 left: its time only
    html = pane._view.toHtml()
    assert "evidence:1/0" in html and "evidence:1/1" not in html  # (by position, not index)
    with qtbot.waitSignal(pane.sig_evidence_clicked) as clicked:  # what a click on it sends
        pane._view.anchorClicked.emit(_url("evidence:1/0"))
    assert clicked.args == [1, 0]
    assert "_seen at 0:20, 1:35 (stream time)_" in pane.conversation.to_markdown()


def test_evidence_thumbnails_under_answers_keep_the_frames_aspect_ratio(qtbot):
    from app.models.timeline import TimelineItem
    from app.widgets.chat_pane import thumbnail_size

    def item(width, height):
        image = QImage(width, height, QImage.Format.Format_RGB888)
        image.fill(Qt.GlobalColor.green)
        return TimelineItem(0, 0.0, 1.0, image)

    assert thumbnail_size(item(320, 180)) == (64, 36)  # 16:9
    assert thumbnail_size(item(400, 300)) == (48, 36)  # 4:3: narrower, not stretched to 16:9
    assert thumbnail_size(item(180, 320)) == (20, 36)  # portrait (a phone screen)
    assert thumbnail_size(item(300, 300)) == (36, 36)
    assert thumbnail_size(item(1000, 100)) == (96, 36)  # very wide: cut at 96
    model = TimelineModel()
    model.on_frame(event(3, 4.0), item(400, 300).thumbnail)  # a 4:3 webcam frame
    pane = ChatPane()
    qtbot.addWidget(pane)
    router = AnswerRouter(pane.conversation, pane, MemoryTimeline(model))
    router.queued(1, "What is there?")
    router.finished(1, AnswerChunk("", True, "A cat.", 2, "eos", 5.0, 9.0, evidence=(4.0,),
                                   evidence_frames=(3,)))  # fmt: skip
    html = pane._view.toHtml()
    assert 'width="48" height="36"' in html or "width='48' height='36'" in html


def _url(text):
    from PySide6.QtCore import QUrl

    return QUrl(text)
