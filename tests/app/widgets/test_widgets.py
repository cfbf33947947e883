"""Widgets driven like a user would: typing, hovering, dragging, shortcuts."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication, QImage

from app.engine.answer_router import AnswerRouter
from app.models.timeline import TimelineModel
from app.settings import AppSettings
from app.widgets.chat_pane import ChatPane
from app.widgets.memory_timeline import MemoryTimeline
from app.widgets.region_selector import RegionSelector
from app.widgets.resource_plot import ResourcePlot
from videoscan_core.events import AnswerChunk, CarrierInfo, FrameEvent, MemorySnapshot


def event(index, t, evicted=()):
    return FrameEvent(
        index, t, tuple(CarrierInfo(i, float(i), float(i)) for i in evicted), 0, 0, 0, 1.0, 1.0
    )


def test_enter_sends_and_answers_stream_into_the_pane(qtbot, tmp_path):
    pane = ChatPane()
    qtbot.addWidget(pane)
    pane.show()
    qtbot.waitExposed(pane)
    pane.activateWindow()
    with qtbot.waitSignal(pane.sig_question_submitted) as sent:
        qtbot.keyClicks(pane.input, "What is on screen?")
        qtbot.keyClick(pane.input, Qt.Key.Key_Return)
    assert sent.args == ["What is on screen?"] and pane.input.text() == ""
    router = AnswerRouter(pane.conversation, pane, MemoryTimeline())  # the window's owner
    router.queued(1, "What is on screen?")
    router.started(1, "What is on screen?")
    router.delta(1, "A red ")
    router.delta(1, "square.")
    assert len(pane.conversation.exchanges) == 1  # created once, when queued
    assert pane.conversation.exchanges[0].answer == "A red square."
    router.finished(1, AnswerChunk("", True, "A red square.", 4, "eos", 120.0, 900.0))
    pane.copy_last_answer()
    assert QGuiApplication.clipboard().text() == "A red square."
    assert pane.conversation.unsaved == 1
    markdown = pane.export_to(tmp_path / "chat.md").read_text()
    assert pane.conversation.unsaved == 0  # marked by the router, the conversation's one writer
    assert "What is on screen?" in markdown and "first token 120 ms, total 900 ms" in markdown
    assert "total 900 ms" in pane._view.toPlainText()
    with qtbot.waitSignal(pane.sig_cancel_requested):
        qtbot.keyClick(pane.input, Qt.Key.Key_Escape)
    with qtbot.waitSignal(pane.sig_cleared):
        pane.clear()  # New conversation (Ctrl+L)
    assert pane.conversation.exchanges == [] and "square" not in pane._view.toPlainText()


def test_timeline_model_tracks_retained_and_evicted():
    model = TimelineModel(max_evicted=2)
    for i in range(4):
        model.on_frame(event(i, float(i)))
    model.on_frame(event(4, 4.0, evicted=[1]))
    assert [item.frame_index for item in model.retained] == [0, 2, 3, 4]
    assert model.items[1].evicted_at == 4.0
    snapshot = MemorySnapshot(
        5, 3, tuple(CarrierInfo(i, float(i), 6.0 if i == 4 else float(i)) for i in (2, 3, 4))
    )
    model.on_snapshot(snapshot)  # frame 0 left memory outside a frame step (smaller M)
    assert [item.frame_index for item in model.retained] == [2, 3, 4]
    assert model.items[4].until == 6.0 and model.capacity == 3
    for i in range(5, 10):
        model.on_frame(event(i, float(i), evicted=[i - 3]))
    assert len(model.evicted) == 2  # bounded


def test_timeline_widget_shows_counter_thumbnails_and_tooltips(qtbot):
    model = TimelineModel()
    thumbnail = QImage(96, 54, QImage.Format.Format_RGB888)
    thumbnail.fill(Qt.GlobalColor.darkGreen)
    for i in range(3):
        model.on_frame(event(i, i * 30.0), thumbnail)
    model.on_frame(event(3, 90.0, evicted=[1]), thumbnail)
    model.capacity = 3
    widget = MemoryTimeline(model)
    qtbot.addWidget(widget)
    widget.resize(900, 140)
    widget.show()
    qtbot.waitExposed(widget)
    image = widget.grab().toImage()
    assert widget.counter_text == "3 / 3"
    boxes = {item.frame_index: box for box, item in widget._hit_boxes}
    assert set(boxes) == {0, 1, 2, 3}
    evicted_box, kept_box = boxes[1], boxes[2]
    assert evicted_box.top() > kept_box.top()  # evicted on the lower lane
    centre = kept_box.center().toPoint()
    assert QImage(image).pixelColor(centre).green() > 80  # the thumbnail is drawn
    item = widget.item_at(evicted_box.center().x(), evicted_box.center().y())
    assert "Evicted at 1:30" in widget.tooltip_for(item) and "Frame #1 at 0:30" in (
        widget.tooltip_for(item)
    )


def test_resource_plot_keeps_a_bounded_history(qtbot):
    plot = ResourcePlot(max_points=5)
    qtbot.addWidget(plot)
    for i in range(20):
        plot.add_sample({"rss_mb": 100.0 + i, "frame_ms": 12.5, "frames_dropped": i})
    assert len(plot.series["memory"].points) == 5
    assert plot.current_text("memory") == "Memory: 119 MB"
    assert plot.current_text("dropped") == "Frames dropped: 19"
    plot.add_sample({"cuda_allocated_mb": 2048.0, "cuda_reserved_mb": 3000.0})
    assert "CUDA allocated" in plot.memory_label


def test_region_selector_emits_the_dragged_rectangle(qtbot):
    selector = RegionSelector()
    qtbot.addWidget(selector)
    selector.select()
    qtbot.waitExposed(selector)
    with qtbot.waitSignal(selector.sig_selected) as chosen:
        qtbot.mousePress(selector, Qt.MouseButton.LeftButton, pos=QPoint(50, 40))
        qtbot.mouseMove(selector, QPoint(250, 140))
        qtbot.mouseRelease(selector, Qt.MouseButton.LeftButton, pos=QPoint(250, 140))
    x, y, w, h = chosen.args
    origin = selector.mapToGlobal(QPoint(0, 0))
    assert (x - origin.x(), y - origin.y(), w, h) == (50, 40, 200, 100)


def test_pause_shortcut_toggles_the_indicator(make_window, qtbot):
    window = make_window(AppSettings(model="", source="webcam:9"))
    window.show()
    qtbot.waitExposed(window)
    qtbot.keyClick(window.windowHandle(), Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert window.paused and "Paused" in window.view.indicator.text()
    qtbot.keyClick(window.windowHandle(), Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    # nothing can be captured (no camera 9): resuming does not claim to be watching
    assert not window.paused and "Not watching" in window.view.indicator.text()


def test_a_conversation_export_that_cannot_be_written_is_reported(qtbot, tmp_path, monkeypatch):
    pane = ChatPane()
    qtbot.addWidget(pane)
    target = tmp_path / "missing-folder" / "chat.md"
    monkeypatch.setattr(
        "app.widgets.chat_pane.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), "")
    )
    with qtbot.waitSignal(pane.sig_error) as reported:
        pane._export.click()
    assert reported.args[0].startswith(f"Could not save the conversation to {target}: ")
    assert "None" not in reported.args[0] and not target.exists()


def test_region_selector_shows_a_still_of_the_screen_under_the_dimming(qtbot, monkeypatch):
    """Without a compositor a translucent overlay is opaque black: the user would drag blind."""
    from PySide6.QtGui import QColor, QPixmap, QScreen

    def still(screen, window=0, *args):
        pixmap = QPixmap(screen.geometry().size())
        pixmap.fill(QColor("magenta"))
        return pixmap

    monkeypatch.setattr(QScreen, "grabWindow", still)
    selector = RegionSelector()
    qtbot.addWidget(selector)
    selector.select()
    qtbot.waitExposed(selector)
    qtbot.mousePress(selector, Qt.MouseButton.LeftButton, pos=QPoint(50, 40))
    qtbot.mouseMove(selector, QPoint(250, 140))
    image = selector.grab().toImage()
    outside, inside = image.pixelColor(20, 300), image.pixelColor(150, 90)
    assert 60 < outside.red() < 230 and outside.blue() > 60 and outside.green() < 40  # dimmed
    assert inside.red() > 240 and inside.blue() > 240  # the selection: as the screen shows it
