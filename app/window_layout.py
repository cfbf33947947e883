"""The main window's widgets and layout: preview and resource plot on the left, the chat on the
right, the memory timeline below, the error banner on top, status-bar fields at the bottom; the
window's size, position and splitters saved and restored between runs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QSplitter, QVBoxLayout, QWidget

from .widgets.chat_pane import ChatPane
from .widgets.error_banner import ErrorBanner
from .widgets.memory_timeline import MemoryTimeline
from .widgets.resource_plot import ResourcePlot


def build_layout(window) -> None:
    """Create ``window.banner``, ``chat``, ``timeline``, ``resources``, ``preview``,
    ``indicator``, ``model_status``, ``counts``, ``loading`` and ``splitters``, and lay them
    out."""
    window.banner = ErrorBanner()
    window.chat = ChatPane(window.conversation)
    window.timeline = MemoryTimeline(window.timeline_model)
    window.resources = ResourcePlot()
    window.preview = QLabel("No frames yet")
    window.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
    window.preview.setMinimumSize(240, 135)
    window.preview.setStyleSheet("background: #202020; color: #aaa;")
    left = QSplitter(Qt.Orientation.Vertical)
    left.addWidget(window.preview)
    left.addWidget(window.resources)
    top = QSplitter(Qt.Orientation.Horizontal)
    top.addWidget(left)
    top.addWidget(window.chat)
    top.setStretchFactor(1, 1)
    main = QSplitter(Qt.Orientation.Vertical)
    main.addWidget(top)
    main.addWidget(window.timeline)
    main.setStretchFactor(0, 1)
    central = QWidget()
    layout = QVBoxLayout(central)
    layout.setContentsMargins(6, 6, 6, 6)
    layout.addWidget(window.banner)
    layout.addWidget(main, 1)
    window.setCentralWidget(central)
    window.splitters = {"left": left, "top": top, "main": main}  # remembered between runs
    window.indicator = QLabel()
    window.model_status = QLabel("No model loaded")
    window.counts = QLabel()
    window.loading = QProgressBar()
    window.loading.setRange(0, 0)
    window.loading.setMaximumWidth(120)
    window.loading.hide()
    bar = window.statusBar()
    bar.addPermanentWidget(window.model_status)  # no stretch: status messages need the room
    bar.addPermanentWidget(window.loading)
    bar.addPermanentWidget(window.counts)
    window.resize(1100, 720)


def window_state_store(store):
    """Where the window's size, position and splitters are kept: a file of their own next to an
    INI settings file (window state is not a setting: the settings file is rewritten only when
    the user saves), else the settings store itself (e.g. the Windows registry)."""
    from PySide6.QtCore import QSettings

    if store is None or store.format() != QSettings.Format.IniFormat or not store.fileName():
        return store
    path = Path(store.fileName())
    return QSettings(str(path.with_name(f"{path.stem}-window.ini")), QSettings.Format.IniFormat)


def restore_geometry(window, store) -> None:
    """Window size, position and splitters as they were when the app was last closed."""
    store = window_state_store(store)
    if store is None:
        return
    geometry = store.value("window/geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    for name, splitter in window.splitters.items():
        state = store.value(f"window/splitter_{name}")
        if state is not None:
            splitter.restoreState(state)


def save_geometry(window, store) -> None:
    store = window_state_store(store)
    if store is None:
        return
    store.setValue("window/geometry", window.saveGeometry())
    for name, splitter in window.splitters.items():
        store.setValue(f"window/splitter_{name}", splitter.saveState())
    store.sync()
