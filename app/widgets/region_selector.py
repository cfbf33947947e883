"""A full-screen overlay on which the user drags the screen region to capture.

Contract: ``RegionSelector.select(screen)`` takes a still of the screen and shows it dimmed under
the overlay, the selection undimmed (without a compositor a translucent window is opaque black, so
the user would drag blind; the still is only shown, never kept); where no still can be taken
(Wayland) the overlay is translucent. Dragging a rectangle emits ``sig_selected(x, y, width,
height)`` in global (virtual-screen) pixels and closes; Esc or a click without dragging emits
``sig_cancelled``.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QWidget

MIN_SIZE = 16


class RegionSelector(QWidget):
    sig_selected = Signal(int, int, int, int)
    sig_cancelled = Signal()

    def __init__(self) -> None:
        flags = (
            Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.Tool
        )
        super().__init__(None, flags)
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self._origin: QPoint | None = None
        self._current: QPoint | None = None
        self._still = QPixmap()

    def select(self, screen=None) -> None:
        screen = screen or QGuiApplication.primaryScreen()
        self._still = screen.grabWindow(0)  # before the overlay covers it
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground, self._still.isNull())
        self.setGeometry(screen.geometry())
        self.show()
        self.activateWindow()

    def selection(self) -> QRect:
        if self._origin is None or self._current is None:
            return QRect()
        left, top = (
            min(self._origin.x(), self._current.x()),
            min(self._origin.y(), self._current.y()),
        )
        width = abs(self._current.x() - self._origin.x())
        height = abs(self._current.y() - self._origin.y())
        return QRect(left, top, width, height)  # dragging 50 -> 250 selects 200 pixels

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        still = not self._still.isNull()
        if still:
            painter.drawPixmap(self.rect(), self._still)
        painter.fillRect(self.rect(), QColor(0, 0, 0, 90))
        box = self.selection()
        if not box.isNull():
            if still:  # the selection as the screen shows it
                ratio = self._still.width() / max(1, self.width())
                source = QRectF(
                    box.x() * ratio, box.y() * ratio, box.width() * ratio, box.height() * ratio
                )
                painter.drawPixmap(QRectF(box), self._still, source)
            else:
                painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
                painter.fillRect(box, Qt.GlobalColor.transparent)
                painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
            painter.setPen(QPen(QColor(80, 160, 255), 2))
            painter.drawRect(box)
        painter.setPen(Qt.GlobalColor.white)
        painter.drawText(
            self.rect().adjusted(0, 20, 0, 0),
            Qt.AlignmentFlag.AlignHCenter,
            "Drag to choose the region to watch · Esc to cancel",
        )
        painter.end()

    def mousePressEvent(self, event) -> None:
        self._origin = self._current = event.position().toPoint()
        self.update()

    def mouseMoveEvent(self, event) -> None:
        if self._origin is not None:
            self._current = event.position().toPoint()
            self.update()

    def mouseReleaseEvent(self, event) -> None:
        self._current = event.position().toPoint()
        box = self.selection()
        self.close()
        self._still = QPixmap()  # (only shown while choosing)
        if box.width() < MIN_SIZE or box.height() < MIN_SIZE:
            self.sig_cancelled.emit()
            return
        top_left = self.mapToGlobal(box.topLeft())
        scale = self.devicePixelRatioF()  # screen grabs count physical pixels
        self.sig_selected.emit(
            round(top_left.x() * scale),
            round(top_left.y() * scale),
            round(box.width() * scale),
            round(box.height() * scale),
        )

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            self._still = QPixmap()
            self.sig_cancelled.emit()
