"""The window's watching part: the source, pause, the watch indicator and the capture signals.

Contract: ``WatchingMixin`` is a base class of ``MainWindow`` (``main_window.py``), split off
along the capture seam: ``change_source``, ``set_paused``/``toggle_pause``, the gate's release
of a held source, the indicator (``WatchState``) and the slots of ``CaptureController``'s
signals (started, withheld, preview, counts, error, open failed, ended). It uses the window's
own parts (``capture``, ``watch``, ``gate``, ``recorder``, ``script``, the view's banner,
indicator, counts and preview, the menus' source picker and pause action, the tray); it adds no
attribute to the window that ``MainWindow.__init__`` does not make.
"""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtGui import QImage

from .watch_state import INDICATOR_TEXT


class WatchingMixin:
    # -- what is watched ---------------------------------------------------------------------
    def _watch(self, spec: str) -> None:
        self.recorder.watching(spec)
        self.sig_capture_start.emit(spec)

    def _release(self, reason: str) -> None:
        source = self.gate.release(reason)
        if source is not None:
            self._watch(source)

    @Slot()
    def toggle_pause(self) -> None:
        self.set_paused(not self.paused)

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        self.watch.paused = paused
        self.sig_capture_pause.emit(paused)
        self.menus.pause.setText("Resume" if paused else "Pause")
        self._show_watch_state()

    @Slot(str)
    def change_source(self, spec: str) -> None:
        """Watch ``spec``; it is saved once it opened, and a failure goes back to the last
        source that worked."""
        self.gate.cancel()
        self._pending_source = spec
        self._watch(spec)

    def _set_indicator(self, state: str) -> None:
        self.view.indicator.setText(INDICATOR_TEXT[state])
        self.tray.set_state("recording" if state == "nomodel" else state)  # capture is on

    def _show_watch_state(self) -> None:
        self._set_indicator(self.watch.indicator())

    # -- capture signals -----------------------------------------------------------------------
    @Slot(str)
    def _on_capture_started(self, label: str) -> None:
        self.watch.capturing, self.watch.ended = True, False
        self._show_watch_state()
        self.view.banner.resolve("capture")
        if self._pending_source is not None:  # a chosen source that works: remember it
            self._watching_source, self._pending_source = self._pending_source, None
            self._save(self.settings.with_changes(source=self._watching_source))
        else:
            self._watching_source = self.report.source
        self.statusBar().showMessage(f"Watching {label}", 4000)

    @Slot(str)
    def _on_withheld(self, kind: str) -> None:
        """A pause rule, or a followed window minimised or closed: no frames for now."""
        self.watch.withheld = kind
        self._show_watch_state()

    @Slot(QImage, float)
    def _on_preview(self, image: QImage, timestamp: float) -> None:
        self.view.show_preview(image)

    @Slot(str)
    def _on_capture_error(self, message: str) -> None:
        """The source being watched failed and stopped."""
        self.statusBar().clearMessage()
        self.watch.capturing = False
        self._show_watch_state()
        self.show_error(message, "capture")

    @Slot(str, bool)
    def _on_open_failed(self, message: str, still_running: bool) -> None:
        """A chosen source did not open: not remembered; the one watched goes on where it was."""
        self._pending_source = None
        self.statusBar().clearMessage()  # ("The video starts when…" no longer holds)
        if still_running and self._watching_source:
            self.menus.source_picker.set_current(self._watching_source)
            self.recorder.watching(self._watching_source)
            message += "; still watching the previous source"
        else:
            self.watch.capturing = False
            self._show_watch_state()
        self.show_error(message, "capture")

    @Slot()
    def _on_source_ended(self) -> None:
        self.watch.capturing, self.watch.ended = False, True
        self._show_watch_state()
        self.script.on_source_ended()
