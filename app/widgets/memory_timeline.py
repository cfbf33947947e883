"""The memory timeline: the carriers the assistant remembers, laid out by time.

Contract: draws a ``TimelineModel``. Every retained carrier gets a thumbnail (in its frame's aspect
ratio) on one of two upper lanes (``timeline_layout.place``: never hidden behind another; a
thumbnail pushed right of its time keeps a tick at its true time on the axis); the time axis is
stretched so that the thumbnails fit near their times, and the view scrolls sideways (scroll bar or
the mouse wheel), following the newest frames unless the user scrolled away; the times of what is
in view are written under the axis (``axis_labels``). Evicted carriers are faded on the lower lane
(a tick under the axis where they would overlap, never over a thumbnail). The counter ``retained /
capacity`` is on the left. Hovering shows the frame's time, index and, for evicted ones, when they
left memory; a click emits ``sig_frame_clicked`` (the window shows the frame large).
``set_highlight(frame_indices)`` outlines an answer's evidence and scrolls it into view. Call
``refresh()`` after changing the model.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QScrollBar, QToolTip, QWidget

from ..models.conversation import stream_clock as clock
from ..models.timeline import TimelineItem, TimelineModel
from ..models.timeline_layout import content_width, place

THUMB_W, THUMB_H = 64, 36
MARGIN = 12
COUNTER_W = 120
LANES = 2  # lanes for retained carriers
KEPT = QColor(90, 150, 220)
GONE = QColor(120, 120, 120)
EVIDENCE = QColor(245, 124, 0)
GAP = 2  # between thumbnails of a lane
STRETCH = 3  # the axis is at most this many times the retained thumbnails' room


class MemoryTimeline(QWidget):
    sig_frame_clicked = Signal(object)  # TimelineItem

    def __init__(self, model: TimelineModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model or TimelineModel()
        self.setMouseTracking(True)
        self.highlight: set[int] = set()
        self._highlight_memory = self.model.memory
        self._pending_reveal = False
        self._hit_boxes: list[tuple[QRectF, TimelineItem]] = []
        self.axis_labels: list[tuple[float, str]] = []  # (x, time) written under the axis
        self._following = True  # the view keeps the newest frames in sight
        self.scroll = QScrollBar(Qt.Orientation.Horizontal, self)
        self.scroll.valueChanged.connect(self._on_scrolled)
        self.scroll.hide()
        self.setMinimumHeight(self._height())

    @staticmethod
    def _height() -> int:
        return 6 + THUMB_H * (LANES + 1) + 4 * LANES + 34 + 14

    def sizeHint(self) -> QSize:
        return QSize(800, self._height())

    def refresh(self) -> None:
        self._forget_old_highlight()
        self.update()

    def _forget_old_highlight(self) -> None:
        if self.highlight and self._highlight_memory != self.model.memory:
            self.highlight = set()  # an earlier memory's frames: never outlined in this one

    @property
    def counter_text(self) -> str:
        capacity = self.model.capacity
        retained = len(self.model.retained)
        if not self.model.capacity_known:
            return f"{retained} / –"  # no model yet: nothing says how much it keeps
        return f"{retained} / {capacity if capacity else '∞'}"

    def set_highlight(self, frame_indices) -> None:
        """Outline these carriers (an answer's evidence) and scroll the first into view; the
        outline ends with this memory (indices restart in the next)."""
        self.highlight = set(frame_indices)
        self._highlight_memory = self.model.memory
        self.update()
        self._pending_reveal = bool(self.highlight)

    # -- geometry ---------------------------------------------------------------------------
    def _view(self) -> tuple[float, float]:
        left = MARGIN + COUNTER_W
        return left, max(10.0, self.width() - left - MARGIN - THUMB_W)

    def _start(self) -> float:
        """The axis starts at the oldest frame still shown (older ones were let go)."""
        return min((item.timestamp for item in self.model.items.values()), default=0.0)

    def _axis_width(self, width: float) -> float:
        """The axis' length: the view, or longer so that the retained thumbnails fit near their
        times (at most ``STRETCH`` times the room they need side by side)."""
        retained = [item.timestamp for item in self.model.retained]
        room = math.ceil(len(retained) / LANES) * (THUMB_W + GAP)
        if len(retained) < 2:
            return width
        per_second = room / max(max(retained) - min(retained), 1.0)
        span = max(self.model.now - self._start(), 1.0)
        return max(width, min(per_second * span, STRETCH * room))

    def _x(self, timestamp: float, left: float, width: float) -> float:
        start = self._start()
        span = max(self.model.now - start, 1.0)
        return left + ((timestamp - start) / span) * width

    def resizeEvent(self, event) -> None:
        height = self.scroll.sizeHint().height()
        self.scroll.setGeometry(MARGIN + COUNTER_W, self.height() - height, self._view()[1], height)
        super().resizeEvent(event)

    def _on_scrolled(self, value: int) -> None:
        self._following = value >= self.scroll.maximum()  # at the end: keep following
        self.update()

    def _update_scroll(self, right_edge: float, left: float, width: float) -> None:
        following = self._following
        overflow = max(0, int(right_edge - (left + width + THUMB_W)))
        self.scroll.setRange(0, overflow)
        self.scroll.setPageStep(int(width))
        self.scroll.setSingleStep(THUMB_W)
        self.scroll.setVisible(overflow > 0)
        if following and self.scroll.value() != overflow:
            self.scroll.setValue(overflow)  # the newest frames stay in view
        self._following = following

    # -- painting ---------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        self._forget_old_highlight()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.base())
        text_color = palette.text().color()
        left, width = self._view()
        axis_w = self._axis_width(width)
        offset = self.scroll.value() if self.scroll.isVisible() else 0
        lanes_y = [6.0 + lane * (THUMB_H + 4) for lane in range(LANES)]
        evicted_y = lanes_y[-1] + THUMB_H + 8
        axis_y = evicted_y + THUMB_H + 10
        self._hit_boxes = []
        painter.save()
        painter.setClipRect(QRectF(left - 4, 0, self.width() - left + 4, self.height()))
        painter.translate(-offset, 0)
        right = self._draw_retained(painter, lanes_y, axis_y, left, axis_w)
        self._draw_evicted(painter, evicted_y, axis_y, left, axis_w)
        painter.setPen(QPen(QColor(140, 140, 140), 1))
        end = max(right, left + axis_w + THUMB_W)
        painter.drawLine(QPointF(left, axis_y), QPointF(end, axis_y))
        painter.restore()
        self._hit_boxes = [(box.translated(-offset, 0), item) for box, item in self._hit_boxes]
        self._update_scroll(right, left, width)
        self._draw_axis_labels(painter, left, width, offset, axis_w, axis_y)
        self._draw_counter(painter, text_color)
        if not self.model.items:
            painter.setPen(text_color)
            painter.drawText(
                QRectF(left, lanes_y[0], width, THUMB_H * 2),
                Qt.AlignmentFlag.AlignCenter,
                "Frames the assistant remembers will appear here.",
            )
        painter.end()
        if self._pending_reveal:
            self._pending_reveal = False
            self._reveal_highlight()

    def _draw_axis_labels(self, painter, left, width, offset, axis_w, axis_y) -> None:
        """The times at the start, middle and end of the part of the axis in view."""
        start = self._start()
        span = max(self.model.now - start, 1.0)
        painter.setPen(QPen(QColor(140, 140, 140), 1))
        self.axis_labels = []
        for fraction in (0.0, 0.5, 1.0):
            x = left + fraction * width
            seconds = min(self.model.now, start + max(0.0, (x + offset - left) / axis_w * span))
            text = clock(seconds)
            if self.axis_labels and self.axis_labels[-1][1] == text:
                continue
            self.axis_labels.append((x, text))
            flags = Qt.AlignmentFlag
            align, box_x = {0.0: (flags.AlignLeft, x), 0.5: (flags.AlignHCenter, x - 40)}.get(
                fraction, (flags.AlignRight, x + THUMB_W - 80)
            )
            painter.drawText(QRectF(box_x, axis_y + 6, 80, 16), align, text)

    def _draw_counter(self, painter: QPainter, color: QColor) -> None:
        painter.setPen(color)
        painter.drawText(QRectF(MARGIN, 6, COUNTER_W, 18), "Memory")
        font = painter.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.3)
        painter.setFont(font)
        painter.drawText(QRectF(MARGIN, 24, COUNTER_W, 26), self.counter_text)
        font.setBold(False)
        font.setPointSizeF(font.pointSizeF() / 1.3)
        painter.setFont(font)
        painter.drawText(QRectF(MARGIN, 50, COUNTER_W, 18), "carriers kept")

    def _draw_retained(self, painter, lanes_y, axis_y, left, width) -> float:
        items = sorted(self.model.retained, key=lambda i: i.timestamp)
        xs = [self._x(item.timestamp, left, width) for item in items]
        placed = place(xs, THUMB_W, LANES)
        for item, x, (lane, box_x) in zip(items, xs, placed, strict=True):
            y = lanes_y[lane]
            end = self._x(item.until, left, width)
            if end > x + 1:  # the carrier also stands for later static frames
                painter.fillRect(QRectF(x, axis_y - 4, end - x, 3), KEPT)
            painter.setPen(QPen(KEPT, 1))
            painter.drawLine(QPointF(x, axis_y - 6), QPointF(x, axis_y))  # its true time
            box = QRectF(box_x, y, THUMB_W, THUMB_H)
            draw_thumbnail(painter, box, item.thumbnail)
            evidence = item.frame_index in self.highlight
            painter.setPen(QPen(EVIDENCE if evidence else KEPT, 3 if evidence else 1))
            painter.drawRect(box)
            self._hit_boxes.append((box.adjusted(-2, -2, 2, 2), item))
        return content_width(placed, THUMB_W)

    def _draw_evicted(self, painter, y, axis_y, left, width) -> None:
        painter.setOpacity(0.35)
        next_free = -1e9
        for item in sorted(self.model.evicted, key=lambda i: i.timestamp):
            x = self._x(item.timestamp, left, width)
            if x >= next_free and isinstance(item.thumbnail, QImage):
                box = QRectF(x, y, THUMB_W, THUMB_H)
                draw_thumbnail(painter, box, item.thumbnail)
                painter.setPen(QPen(GONE))
                painter.drawRect(box)
                next_free = x + THUMB_W + 2
            else:  # no room for its thumbnail: a tick under the axis, never over a thumbnail
                box = QRectF(x - 1, axis_y + 1, 2, 5)
                painter.fillRect(box, GONE)
                box = box.adjusted(-1, 0, 1, 0)
            self._hit_boxes.append((box.adjusted(-2, -2, 2, 2), item))
        painter.setOpacity(1.0)

    def _reveal_highlight(self) -> None:
        boxes = [box for box, item in self._hit_boxes if item.frame_index in self.highlight]
        if not boxes or not self.scroll.isVisible():
            return
        left, width = self._view()
        box = min(boxes, key=lambda b: b.left())
        if box.left() < left or box.right() > left + width + THUMB_W:
            self.scroll.setValue(int(self.scroll.value() + box.left() - left - 20))

    # -- interaction ------------------------------------------------------------------------
    def item_at(self, x: float, y: float) -> TimelineItem | None:
        if x < MARGIN + COUNTER_W - 4:
            return None
        for box, item in reversed(self._hit_boxes):
            if box.contains(QPointF(x, y)):
                return item
        return None

    def tooltip_for(self, item: TimelineItem) -> str:
        text = f"Frame #{item.frame_index} at {clock(item.timestamp)}"
        if item.until > item.timestamp:
            text += f" (unchanged until {clock(item.until)})"
        if item.evicted_at is not None:
            text += f"\nEvicted at {clock(item.evicted_at)}"
        else:
            text += "\nIn memory · click to see it large"
        return text

    def mouseMoveEvent(self, event) -> None:
        position = event.position()
        item = self.item_at(position.x(), position.y())
        if item is None:
            QToolTip.hideText()
        else:
            QToolTip.showText(event.globalPosition().toPoint(), self.tooltip_for(item), self)

    def mousePressEvent(self, event) -> None:
        position = event.position()
        item = self.item_at(position.x(), position.y())
        if item is not None and event.button() == Qt.MouseButton.LeftButton:
            self.sig_frame_clicked.emit(item)
            return
        super().mousePressEvent(event)

    def wheelEvent(self, event) -> None:
        if self.scroll.isVisible():
            delta = event.angleDelta().y() or event.angleDelta().x()
            self.scroll.setValue(self.scroll.value() - delta)
            event.accept()
            return
        super().wheelEvent(event)


def draw_thumbnail(painter: QPainter, box: QRectF, image) -> None:
    """``image`` inside ``box`` in its own aspect ratio (bars around it), or a grey box."""
    painter.fillRect(box, QColor(40, 40, 40))
    if not isinstance(image, QImage) or image.isNull():
        return
    scale = min(box.width() / image.width(), box.height() / image.height())
    w, h = image.width() * scale, image.height() * scale
    painter.drawImage(QRectF(box.center().x() - w / 2, box.center().y() - h / 2, w, h), image)
