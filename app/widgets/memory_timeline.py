"""The memory timeline: the carriers the assistant remembers, laid out by time.

Contract: draws a ``TimelineModel``: retained carriers as thumbnails (or ticks where they would
overlap) on the top lane, evicted ones faded on the lower lane; the counter ``retained / capacity``
on the left; hovering shows the frame's time, index and, for evicted ones, when they left memory.
Call ``refresh()`` after changing the model.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QToolTip, QWidget

from ..timeline_model import TimelineItem, TimelineModel

THUMB_W, THUMB_H = 64, 36
MARGIN = 12
COUNTER_W = 120


def clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class MemoryTimeline(QWidget):
    def __init__(self, model: TimelineModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model or TimelineModel()
        self.setMouseTracking(True)
        self.setMinimumHeight(THUMB_H * 2 + 46)
        self._hit_boxes: list[tuple[QRectF, TimelineItem]] = []

    def sizeHint(self) -> QSize:
        return QSize(800, THUMB_H * 2 + 52)

    def refresh(self) -> None:
        self.update()

    @property
    def counter_text(self) -> str:
        capacity = self.model.capacity
        retained = len(self.model.retained)
        return f"{retained} / {capacity if capacity else '∞'}"

    def _x(self, timestamp: float, left: float, width: float) -> float:
        span = max(self.model.now, 1.0)
        return left + (timestamp / span) * width

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.base())
        text_color = palette.text().color()
        painter.setPen(text_color)
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
        left = MARGIN + COUNTER_W
        width = max(10.0, self.width() - left - MARGIN - THUMB_W)
        top_lane, low_lane = 6.0, 10.0 + THUMB_H
        axis_y = low_lane + THUMB_H + 6
        painter.setPen(QPen(QColor(140, 140, 140), 1))
        painter.drawLine(QPointF(left, axis_y), QPointF(left + width + THUMB_W, axis_y))
        painter.drawText(QRectF(left, axis_y + 2, 80, 16), "0:00")
        painter.drawText(QRectF(left + width - 20, axis_y + 2, 80, 16), clock(self.model.now))
        self._hit_boxes = []
        self._draw_lane(painter, self.model.evicted, low_lane, left, width, faded=True)
        self._draw_lane(painter, self.model.retained, top_lane, left, width, faded=False)
        if not self.model.items:
            painter.setPen(text_color)
            painter.drawText(
                QRectF(left, top_lane, width, THUMB_H * 2),
                Qt.AlignmentFlag.AlignCenter,
                "Frames the assistant remembers will appear here.",
            )
        painter.end()

    def _draw_lane(self, painter, items, y, left, width, faded: bool) -> None:
        painter.setOpacity(0.35 if faded else 1.0)
        next_free = -1e9
        for item in sorted(items, key=lambda i: i.timestamp):
            x = self._x(item.timestamp, left, width)
            end = self._x(item.until, left, width)
            if end > x + 1:  # the carrier also stands for later static frames
                painter.fillRect(QRectF(x, y + THUMB_H - 3, end - x, 3), QColor(90, 150, 220))
            if x >= next_free and isinstance(item.thumbnail, QImage):
                box = QRectF(x, y, THUMB_W, THUMB_H)
                painter.drawImage(box, item.thumbnail)
                painter.setPen(QPen(QColor(90, 150, 220) if not faded else QColor(120, 120, 120)))
                painter.drawRect(box)
                next_free = x + THUMB_W + 2
            else:
                box = QRectF(x - 2, y + THUMB_H / 2 - 8, 4, 16)
                painter.fillRect(box, QColor(90, 150, 220) if not faded else QColor(120, 120, 120))
            self._hit_boxes.append((box.adjusted(-2, -2, 2, 2), item))
        painter.setOpacity(1.0)

    def item_at(self, x: float, y: float) -> TimelineItem | None:
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
            text += "\nIn memory"
        return text

    def mouseMoveEvent(self, event) -> None:
        position = event.position()
        item = self.item_at(position.x(), position.y())
        if item is None:
            QToolTip.hideText()
        else:
            QToolTip.showText(event.globalPosition().toPoint(), self.tooltip_for(item), self)
