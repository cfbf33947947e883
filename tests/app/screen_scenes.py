"""Screens drawn with Qt's own text rendering (12 px UI text), for change-detection tests."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen

SIZE = (1600, 1000)
LINES = [
    "Inbox — 3 unread messages",
    "Re: quarterly report draft, please review section 2 before Friday",
    "Build #4312 passed on main (12 min)",
    "Lunch at 12:30 in the small meeting room",
    "Reminder: update the password before it expires",
]


def render(
    lines: list[str] = LINES,
    clock: str = "14:05:32",
    focus: int = 0,
    caret: bool = True,
    popup: tuple[int, int, str] | None = None,
) -> np.ndarray:
    """An RGB ``[1000, 1600, 3]`` screen: a text list, two input fields (one focused, maybe
    with its caret), a clock in the top-right corner and maybe a notification popup."""
    image = QImage(*SIZE, QImage.Format.Format_RGB888)
    image.fill(QColor(246, 246, 246))
    painter = QPainter(image)
    font = QFont("DejaVu Sans")
    font.setPixelSize(12)
    painter.setFont(font)
    painter.setPen(QColor(30, 30, 30))
    for row, text in enumerate(lines):
        painter.drawText(40, 120 + 22 * row, text)
    painter.drawText(SIZE[0] - 70, 20, clock)
    for index in range(2):
        field = QRect(40, 300 + 40 * index, 260, 24)
        painter.fillRect(field, QColor(255, 255, 255))
        focused = index == focus
        border = QColor(48, 140, 198) if focused else QColor(180, 180, 180)
        painter.setPen(QPen(border, 2 if focused else 1))
        painter.drawRect(field)
        painter.setPen(QColor(30, 30, 30))
        label = ["Name", "Email"][index]
        painter.drawText(field.adjusted(6, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, label)
        if focused and caret:
            x = field.left() + 46
            painter.drawLine(x, field.top() + 5, x, field.bottom() - 5)
    if popup is not None:
        width, height, text = popup
        box = QRect(SIZE[0] - width - 20, SIZE[1] - height - 20, width, height)
        painter.fillRect(box, QColor(50, 50, 50))
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    pointer = image.constBits()
    rows = np.frombuffer(pointer, np.uint8, image.sizeInBytes())
    rgb = rows.reshape(SIZE[1], image.bytesPerLine())
    return rgb[:, : SIZE[0] * 3].reshape(SIZE[1], SIZE[0], 3).copy()
