"""Live resource curves: model memory, per-frame processing time, frames dropped.

Contract: ``add_sample(stats)`` takes the worker's stats dict (``rss_mb`` or ``cuda_allocated_mb``,
``frame_ms``, ``frames_dropped``) and appends one point per series; the last ``max_points`` are
kept (bounded). Each series is drawn as a small line chart with its current value as text, on
axes that start at 0 and end at a round number (labelled with the unit), over the last frames
(the x axis counts processed frames), so a small rise looks small.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
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


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 x 10^k at or above ``value`` (1 for nothing)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 5, 10):
        if factor * power >= value - 1e-12:
            return factor * power
    return 10 * power


def axis_label(value: float, unit: str) -> str:
    text = f"{value:g}" if value < 10_000 else f"{value / 1000:g}k"
    return f"{text} {unit}".rstrip()


GUTTER = 52  # room for the y-axis labels


class ResourcePlot(QWidget):
    def __init__(self, parent: QWidget | None = None, max_points: int = 600) -> None:
        super().__init__(parent)
        self.series = {
            "memory": Series("Memory", "MB", QColor(52, 120, 200), deque(maxlen=max_points)),
            "frame_ms": Series("Frame time", "ms", QColor(220, 120, 40), deque(maxlen=max_points)),
            "dropped": Series("Frames dropped", "", QColor(200, 60, 60), deque(maxlen=max_points)),
        }
        self.memory_label = "process RSS"
        self.axes: dict[str, tuple[float, float]] = {}  # y range drawn per series (for tests)
        self.setMinimumSize(220, 240)

    def sizeHint(self) -> QSize:
        return QSize(280, 300)

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
        chart = QRectF(box.left() + GUTTER, box.top() + 18, box.width() - GUTTER, box.height() - 34)
        points = list(series.points)
        low, high = 0.0, nice_ceiling(max(points, default=0.0))
        painter.setPen(QPen(QColor(160, 160, 160), 1))
        painter.drawRect(chart)
        small = painter.font()
        small.setPointSizeF(max(6.0, small.pointSizeF() * 0.8))
        painter.save()
        painter.setFont(small)
        painter.setPen(QColor(120, 120, 120))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for value, y in (
            (high, chart.top()),
            (high / 2, chart.center().y()),
            (0.0, chart.bottom()),
        ):
            label = QRectF(box.left(), y - 7, GUTTER - 4, 14)
            painter.drawText(label, right, axis_label(value, series.unit))
        span = f"last {len(points)} frames" if points else "frames"
        painter.drawText(
            QRectF(chart.left(), chart.bottom() + 1, chart.width(), 14),
            Qt.AlignmentFlag.AlignCenter,
            f"← {span} (now at the right)",
        )
        painter.restore()
        self.axes[key] = (low, high)
        if len(points) < 2:
            return
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
