"""Live resource curves: model memory, per-frame processing time, frames dropped.

Contract: ``add_sample(stats)`` takes the worker's stats dict (``rss_mb`` or ``cuda_allocated_mb``,
``frame_ms``, ``frames_dropped``) and appends one point per series; the last ``max_points`` are
kept (bounded). Each series is drawn as a small line chart with its current value as text.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, QSize
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QWidget


@dataclass
class Series:
    title: str
    unit: str
    color: QColor
    points: deque = field(default_factory=lambda: deque(maxlen=600))

    @property
    def current(self) -> float | None:
        return self.points[-1] if self.points else None


class ResourcePlot(QWidget):
    def __init__(self, parent: QWidget | None = None, max_points: int = 600) -> None:
        super().__init__(parent)
        self.series = {
            "memory": Series("Memory", "MB", QColor(52, 120, 200), deque(maxlen=max_points)),
            "frame_ms": Series("Frame time", "ms", QColor(220, 120, 40), deque(maxlen=max_points)),
            "dropped": Series("Frames dropped", "", QColor(200, 60, 60), deque(maxlen=max_points)),
        }
        self.memory_label = "process RSS"
        self.setMinimumSize(220, 200)

    def sizeHint(self) -> QSize:
        return QSize(280, 260)

    def add_sample(self, stats: dict) -> None:
        if "cuda_allocated_mb" in stats:
            memory = stats["cuda_allocated_mb"]
            self.memory_label = f"CUDA allocated (reserved {stats['cuda_reserved_mb']:.0f} MB)"
        else:
            memory = stats.get("rss_mb", 0.0)
            self.memory_label = "process RSS"
        self.series["memory"].points.append(float(memory))
        self.series["frame_ms"].points.append(float(stats.get("frame_ms", 0.0)))
        self.series["dropped"].points.append(float(stats.get("frames_dropped", 0)))
        self.update()

    def current_text(self, key: str) -> str:
        series = self.series[key]
        value = series.current
        if value is None:
            return f"{series.title}: –"
        shown = f"{value:.0f}" if key != "frame_ms" or value >= 10 else f"{value:.1f}"
        return f"{series.title}: {shown} {series.unit}".rstrip()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.base())
        keys = list(self.series)
        height = self.height() / len(keys)
        for row, key in enumerate(keys):
            self._draw_series(
                painter, key, QRectF(6, row * height + 4, self.width() - 12, height - 8)
            )
        painter.end()

    def _draw_series(self, painter: QPainter, key: str, box: QRectF) -> None:
        series = self.series[key]
        painter.setPen(self.palette().text().color())
        title = self.current_text(key)
        if key == "memory":
            title += f"  ({self.memory_label})"
        painter.drawText(QRectF(box.left(), box.top(), box.width(), 16), title)
        chart = QRectF(box.left(), box.top() + 18, box.width(), box.height() - 20)
        painter.setPen(QPen(QColor(160, 160, 160), 1))
        painter.drawRect(chart)
        points = list(series.points)
        if len(points) < 2:
            return
        low, high = min(points), max(points)
        if high - low < 1e-9:
            low, high = low - 1, high + 1
        step = chart.width() / (len(points) - 1)
        polygon = QPolygonF(
            [
                QPointF(
                    chart.left() + i * step,
                    chart.bottom() - (value - low) / (high - low) * chart.height(),
                )
                for i, value in enumerate(points)
            ]
        )
        painter.setPen(QPen(series.color, 1.5))
        painter.drawPolyline(polygon)
