"""Choosing what to watch: a screen, a region of it, one window, a webcam or a video file.

Contract: a combo box listing the monitors (with their size and position), "Screen region…",
"Window…", the webcams that open (``camera_probe``, by default ``available_cameras``, is asked in
a background thread at start; they are added when it answers, ``cameras_checked``) and "Video
file…". Choosing an entry emits ``sig_source_chosen(spec)``
(a ``SourceSpec`` string); the region, window and file entries first open the region overlay, a
list of the open windows or a file dialog (cancel keeps the old source). In a Wayland session
without XWayland the screen entries are replaced by one line saying screens cannot be captured
there (webcam and video sources stay). The choice is remembered by the window's settings.
``set_current(spec)`` shows a spec chosen elsewhere (settings, command line).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QComboBox, QFileDialog, QInputDialog, QMessageBox, QWidget

from videoscan_core.capture.base import SourceSpec
from videoscan_core.capture.privacy.listers import make_lister
from videoscan_core.capture.privacy.windows import WindowListUnavailable, wayland_without_x
from videoscan_core.capture.screen import list_monitors
from videoscan_core.capture.webcam import available_cameras

from ..background import run_in_background
from .region_selector import RegionSelector

REGION, FILE, WINDOW = "region…", "file…", "window…"
WAYLAND_LINE = "Screens cannot be captured on Wayland without XWayland: use a webcam or a video"
VIDEO_FILTER = "Videos (*.mp4 *.mkv *.avi *.mov *.webm);;All files (*)"


class SourcePicker(QComboBox):
    sig_source_chosen = Signal(str)

    def __init__(
        self,
        parent: QWidget | None = None,
        camera_probe: Callable[[], list[int]] = available_cameras,
    ) -> None:
        super().__init__(parent)
        self.setToolTip("What the assistant watches")
        self.setMinimumContentsLength(22)
        self.wayland = wayland_without_x()
        if self.wayland:
            self.addItem(WAYLAND_LINE, "")
            self.model().item(0).setEnabled(False)
        else:
            monitors = list_monitors() or [(1, "Screen 1")]
            for number, label in monitors:
                self.addItem(label, f"screen:{number}")
            self.addItem("Screen region…", REGION)
            self.addItem("Window…", WINDOW)
        self.addItem("Video file…", FILE)
        self.addItem("Demo video", "demo:1")
        self._current = "demo:1" if self.wayland else str(self.itemData(0))
        self._selector: RegionSelector | None = None
        self.activated.connect(self._on_activated)
        self.cameras_checked = False
        run_in_background(self, camera_probe, self._add_cameras, "camera-search")

    def _add_cameras(self, found: list[int] | BaseException) -> None:
        if isinstance(found, BaseException):  # no OpenCV, no video devices: no webcam entries
            found = []
        at = self.findData(FILE)
        for device in found:
            spec = f"webcam:{device}"
            if self.findData(spec) < 0:
                self.insertItem(at, f"Webcam {device}", spec)
                at += 1
        self.cameras_checked = True

    @property
    def current_spec(self) -> str:
        return self._current

    def set_current(self, spec: str) -> None:
        self._current = spec
        index = self.findData(spec)
        if index < 0:  # a region or a file: show it as an extra entry
            self.blockSignals(True)
            for i in reversed(range(self.count())):
                if str(self.itemData(i)).startswith(("region:", "file:", "window:")):
                    self.removeItem(i)
            try:
                label = SourceSpec.parse(spec).label
            except Exception:
                label = spec
            self.insertItem(0, label, spec)
            index = 0
            self.blockSignals(False)
        self.setCurrentIndex(index)

    @Slot(int)
    def _on_activated(self, index: int) -> None:
        data = str(self.itemData(index))
        if data == FILE:
            path, _ = QFileDialog.getOpenFileName(self, "Choose a video", "", VIDEO_FILTER)
            self._choose(f"file:{path}" if path else None)
        elif data == WINDOW:
            self._choose(self._pick_window())
        elif data == REGION:
            self._selector = RegionSelector()
            self._selector.sig_selected.connect(
                lambda x, y, w, h: self._choose(f"region:{x},{y},{w},{h}")
            )
            self._selector.sig_cancelled.connect(lambda: self._choose(None))
            self._selector.select(self.screen())
        else:
            self._choose(data)

    def _pick_window(self) -> str | None:
        """Ask which open window to watch; its title (or app name) becomes the spec."""
        try:
            lister = make_lister()
            try:
                windows = [w for w in lister.windows() if w.title and not w.minimised]
            finally:
                lister.close()
        except WindowListUnavailable as error:
            windows, problem = [], str(error)
        else:
            problem = "" if windows else "no window is open"
        if problem:
            QMessageBox.information(self, "Watch a window", f"Cannot list windows: {problem}.")
            return None
        labels = [w.label for w in reversed(windows)]  # topmost first
        label, ok = QInputDialog.getItem(self, "Watch a window", "Window:", labels, 0, False)
        if not ok or label not in labels:
            return None
        chosen = list(reversed(windows))[labels.index(label)]
        return f"window:{chosen.title}"

    def _choose(self, spec: str | None) -> None:
        if spec is None:
            self.set_current(self._current)  # cancelled: show the old choice again
            return
        self.set_current(spec)
        self.sig_source_chosen.emit(spec)
