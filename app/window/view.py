"""The main window's view: one widget that builds and owns every part the user looks at.

Contract: ``MainView(conversation, timeline_model)`` builds the error banner on top, the preview
and resource plot on the left, the chat on the right and the memory timeline below (three
splitters, ``splitters``, remembered between runs), and the fields the window shows in its bars:
``indicator`` (the toolbar's watch state), ``model_status``, ``loading``, ``counts`` and
``text_status`` (the screen text reader's counts). They are its own typed attributes; nothing
else creates them. ``add_status_fields(bar)`` puts the status fields into the window's status
bar (in that order, without stretch: status messages need the room); ``show_preview(image)``
shows a captured frame scaled into the preview. ``restore_geometry`` / ``save_geometry`` keep
the window's size, position and the view's splitters in ``window_state_store(store)``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QLabel,
    QProgressBar,
    QSplitter,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from ..models.conversation import Conversation
from ..models.timeline import TimelineModel
from ..widgets.chat_pane import ChatPane
from ..widgets.error_banner import ErrorBanner
from ..widgets.memory_timeline import MemoryTimeline
from ..widgets.resource_plot import ResourcePlot

TEXT_STATUS_TIP = (
    "Text read on the screen: lines remembered, frames read, and changed frames skipped because "
    "reading was still busy (the newest is read)"
)


class MainView(QWidget):
    def __init__(
        self,
        conversation: Conversation,
        timeline_model: TimelineModel,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.banner = ErrorBanner()
        self.chat = ChatPane(conversation)
        self.timeline = MemoryTimeline(timeline_model)
        self.resources = ResourcePlot()
        self.preview = QLabel("No frames yet")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(240, 135)
        self.preview.setStyleSheet("background: #202020; color: #aaa;")
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.preview)
        left.addWidget(self.resources)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(left)
        top.addWidget(self.chat)
        top.setStretchFactor(1, 1)
        main = QSplitter(Qt.Orientation.Vertical)
        main.addWidget(top)
        main.addWidget(self.timeline)
        main.setStretchFactor(0, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.banner)
        layout.addWidget(main, 1)
        self.splitters: dict[str, QSplitter] = {"left": left, "top": top, "main": main}
        self.indicator = QLabel()
        self.model_status = QLabel("No model loaded")
        self.counts = QLabel()
        self.loading = QProgressBar()
        self.loading.setRange(0, 0)
        self.loading.setMaximumWidth(120)
        self.loading.hide()
        self.text_status = QLabel()
        self.text_status.setToolTip(TEXT_STATUS_TIP)

    def add_status_fields(self, bar: QStatusBar) -> None:
        for field in (self.model_status, self.loading, self.counts, self.text_status):
            bar.addPermanentWidget(field)

    def show_preview(self, image: QImage) -> None:
        self.preview.setPixmap(
            QPixmap.fromImage(image).scaled(
                self.preview.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )


def window_state_store(store: QSettings | None) -> QSettings | None:
    """Where the window's size, position and splitters are kept: a file of their own next to an
    INI settings file (window state is not a setting: the settings file is rewritten only when
    the user saves), else the settings store itself (e.g. the Windows registry)."""
    if store is None or store.format() != QSettings.Format.IniFormat or not store.fileName():
        return store
    path = Path(store.fileName())
    return QSettings(str(path.with_name(f"{path.stem}-window.ini")), QSettings.Format.IniFormat)


def restore_geometry(window: QWidget, view: MainView, store: QSettings | None) -> None:
    """Window size, position and splitters as they were when the app was last closed."""
    store = window_state_store(store)
    if store is None:
        return
    geometry = store.value("window/geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    for name, splitter in view.splitters.items():
        state = store.value(f"window/splitter_{name}")
        if state is not None:
            splitter.restoreState(state)


def save_geometry(window: QWidget, view: MainView, store: QSettings | None) -> None:
    store = window_state_store(store)
    if store is None:
        return
    store.setValue("window/geometry", window.saveGeometry())
    for name, splitter in view.splitters.items():
        store.setValue(f"window/splitter_{name}", splitter.saveState())
    store.sync()
