"""The memory timeline: the carriers the assistant remembers, laid out by time.

Contract: draws a ``TimelineModel``. Every retained carrier gets a thumbnail on one of two upper
lanes (``timeline_layout.place``: never hidden behind another; a thumbnail pushed right of its
time keeps a tick at its true time on the axis), and the view scrolls sideways (scroll bar or the
mouse wheel) when they do not fit. Evicted carriers are faded on the lower lane (ticks where they
would overlap). The counter ``retained / capacity`` is on the left. Hovering shows the frame's
time, index and, for evicted ones, when they left memory; a click emits ``sig_frame_clicked``
(the window shows the frame large). ``set_highlight(frame_indices)`` outlines an answer's
evidence and scrolls it into view. Call ``refresh()`` after changing the model.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QScrollBar, QToolTip, QWidget

from ..conversation import stream_clock
from ..timeline_layout import content_width, place
from ..timeline_model import TimelineItem, TimelineModel

THUMB_W, THUMB_H = 64, 36
MARGIN = 12
COUNTER_W = 120
LANES = 2  # lanes for retained carriers
KEPT = QColor(90, 150, 220)
GONE = QColor(120, 120, 120)
EVIDENCE = QColor(245, 124, 0)


clock = stream_clock  # (the name the widgets use)


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
        self.scroll = QScrollBar(Qt.Orientation.Horizontal, self)
        self.scroll.valueChanged.connect(self.update)
        self.scroll.hide()
        self.setMinimumHeight(self._height())

    @staticmethod
    def _height() -> int:
        return 6 + THUMB_H * (LANES + 1) + 4 * LANES + 24 + 14

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

    def _x(self, timestamp: float, left: float, width: float) -> float:
        span = max(self.model.now, 1.0)
        return left + (timestamp / span) * width

    def resizeEvent(self, event) -> None:
        height = self.scroll.sizeHint().height()
        self.scroll.setGeometry(MARGIN + COUNTER_W, self.height() - height, self._view()[1], height)
        super().resizeEvent(event)

    def _update_scroll(self, right_edge: float, left: float, width: float) -> None:
        overflow = max(0, int(right_edge - (left + width + THUMB_W)))
        self.scroll.setRange(0, overflow)
        self.scroll.setPageStep(int(width))
        self.scroll.setSingleStep(THUMB_W)
        self.scroll.setVisible(overflow > 0)

    # -- painting ---------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        self._forget_old_highlight()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.base())
        text_color = palette.text().color()
        left, width = self._view()
        offset = self.scroll.value() if self.scroll.isVisible() else 0
        lanes_y = [6.0 + lane * (THUMB_H + 4) for lane in range(LANES)]
        evicted_y = lanes_y[-1] + THUMB_H + 8
        axis_y = evicted_y + THUMB_H + 6
        self._hit_boxes = []
        painter.save()
        painter.setClipRect(QRectF(left - 4, 0, self.width() - left + 4, self.height()))
        painter.translate(-offset, 0)
        right = self._draw_retained(painter, lanes_y, axis_y, left, width)
        self._draw_evicted(painter, evicted_y, left, width)
        painter.setPen(QPen(QColor(140, 140, 140), 1))
        painter.drawLine(QPointF(left, axis_y), QPointF(max(right, left + width + THUMB_W), axis_y))
        painter.drawText(QRectF(left, axis_y + 2, 80, 16), "0:00")
        painter.drawText(QRectF(left + width - 20, axis_y + 2, 80, 16), clock(self.model.now))
        painter.restore()
        self._hit_boxes = [(box.translated(-offset, 0), item) for box, item in self._hit_boxes]
        self._update_scroll(right, left, width)
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
            if isinstance(item.thumbnail, QImage):
                painter.drawImage(box, item.thumbnail)
            else:
                painter.fillRect(box, QColor(60, 60, 60))
            evidence = item.frame_index in self.highlight
            painter.setPen(QPen(EVIDENCE if evidence else KEPT, 3 if evidence else 1))
            painter.drawRect(box)
            self._hit_boxes.append((box.adjusted(-2, -2, 2, 2), item))
        return content_width(placed, THUMB_W)

    def _draw_evicted(self, painter, y, left, width) -> None:
        painter.setOpacity(0.35)
        next_free = -1e9
        for item in sorted(self.model.evicted, key=lambda i: i.timestamp):
            x = self._x(item.timestamp, left, width)
            if x >= next_free and isinstance(item.thumbnail, QImage):
                box = QRectF(x, y, THUMB_W, THUMB_H)
                painter.drawImage(box, item.thumbnail)
                painter.setPen(QPen(GONE))
                painter.drawRect(box)
                next_free = x + THUMB_W + 2
            else:
                box = QRectF(x - 2, y + THUMB_H / 2 - 8, 4, 16)
                painter.fillRect(box, GONE)
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
