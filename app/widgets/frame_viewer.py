"""A remembered frame shown large (from the timeline or an answer's evidence).

Contract: ``FrameViewer(item, parent)`` is a non-modal window showing the frame's keepsake JPEG
(the full frame kept while the carrier is in memory) or, for a frame already evicted, its
thumbnail, with its index and time in the title. ``show_frame(parent, item, note)`` opens one and
keeps a reference on the parent so it is not collected (``note`` replaces the in-memory state
under it, e.g. "from an earlier memory").
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget

from ..models.conversation import stream_clock as clock
from ..models.timeline import TimelineItem

MAX_SIDE = 960
MIN_WIDTH = 320  # the title and caption stay readable


class FrameViewer(QDialog):
    def __init__(self, item: TimelineItem, parent: QWidget | None = None, note: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Frame #{item.frame_index} at {clock(item.timestamp)}")
        image = QImage.fromData(item.keepsake) if item.keepsake else QImage()
        if image.isNull() and isinstance(item.thumbnail, QImage):
            image = item.thumbnail
        self.image = QLabel()
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if image.isNull():
            self.image.setText("This frame's picture is no longer kept.")
        else:
            pixmap = QPixmap.fromImage(image)
            if pixmap.width() < MIN_WIDTH:  # only the small thumbnail is kept: shown larger
                pixmap = pixmap.scaledToWidth(MIN_WIDTH, Qt.TransformationMode.SmoothTransformation)
            if max(pixmap.width(), pixmap.height()) > MAX_SIDE:
                pixmap = pixmap.scaled(
                    MAX_SIDE,
                    MAX_SIDE,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            self.image.setPixmap(pixmap)
        state = note or (
            "in memory" if item.retained else f"evicted at {clock(item.evicted_at or 0)}"
        )
        caption = QLabel(f"Seen at {clock(item.timestamp)} · {state}")
        layout = QVBoxLayout(self)
        layout.addWidget(self.image, 1)
        layout.addWidget(caption)
        self.setMinimumWidth(MIN_WIDTH + 24)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)


def show_frame(parent: QWidget, item: TimelineItem, note: str = "") -> FrameViewer:
    viewer = FrameViewer(item, parent, note)
    parent.frame_viewer = viewer
    viewer.show()
    return viewer
