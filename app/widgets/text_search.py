"""Ctrl+F: search the text the screen showed; a hit opens the nearest remembered frame.

Contract: ``TextSearchDialog(service)`` (non-modal) searches as you type (after a short pause)
or on Enter through ``ScreenText.search`` (answered on its ``sig_hits``, never on the GUI
thread); each hit is one row, ``m:ss-m:ss  text`` (first and last seen), and a refusal (an
empty or huge query) or "no hits" is one line. Activating a hit emits ``sig_hit_chosen(hit)``.
``TextSearch(service, timeline_model, timeline, banner, show_frame, parent)`` is Ctrl+F in the
window: ``add_to(menu)`` adds Find in screen text (Ctrl+F) and Clear screen text to the menu it
is given; the dialog (``dialog``, made when first opened) shows a chosen hit's nearest frame of
the memory on the timeline and through ``show_frame`` (or says, in the banner, that the hit is
from an earlier memory).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from ..models.conversation import stream_clock as clock
from ..models.timeline import TimelineItem, TimelineModel

if TYPE_CHECKING:
    from ..features.screen_text import ScreenText
    from .error_banner import ErrorBanner
    from .memory_timeline import MemoryTimeline

TYPING_PAUSE_MS = 250


class TextSearchDialog(QDialog):
    sig_hit_chosen = Signal(object)  # SearchHit

    def __init__(self, service, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Find in screen text")
        self.resize(560, 380)
        self.service = service
        self._request = 0
        self.query = QLineEdit()
        self.query.setPlaceholderText("words seen on the screen (an error, a name, a number…)")
        self.status = QLabel("Type to search what the screen showed.")
        self.status.setStyleSheet("color: #666")
        self.hits = QListWidget()
        self.hits.setUniformItemSizes(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.status)
        layout.addWidget(self.hits, 1)
        self._typing = QTimer(self, singleShot=True, interval=TYPING_PAUSE_MS)
        self._typing.timeout.connect(self.run_search)
        self.query.textEdited.connect(lambda _: self._typing.start())
        self.query.returnPressed.connect(self.run_search)
        self.hits.itemActivated.connect(self._on_activated)
        self.hits.itemClicked.connect(self._on_activated)
        service.sig_hits.connect(self._on_hits)

    @Slot()
    def run_search(self) -> None:
        self._typing.stop()
        if not self.query.text().strip():
            self.hits.clear()
            self.status.setText("Type to search what the screen showed.")
            return
        self.status.setText("Searching…")
        self._request = self.service.search(self.query.text())

    @Slot(int, object)
    def _on_hits(self, request: int, hits) -> None:
        if request != self._request:
            return  # an older search answered late
        self.hits.clear()
        if isinstance(hits, str):
            self.status.setText(hits)
            return
        self.status.setText(f"{len(hits)} hit{'s' * (len(hits) != 1)}" if hits else "No hits.")
        for hit in hits:
            row = QListWidgetItem(f"{clock(hit.first_seen)}-{clock(hit.last_seen)}   {hit.text}")
            row.setData(Qt.ItemDataRole.UserRole, hit)
            row.setToolTip(f"first seen {clock(hit.first_seen)}, last seen "
                           f"{clock(hit.last_seen)} ({hit.source or 'screen'})")  # fmt: skip
            self.hits.addItem(row)

    def _on_activated(self, row: QListWidgetItem) -> None:
        self.sig_hit_chosen.emit(row.data(Qt.ItemDataRole.UserRole))


def nearest_item(timeline_model: TimelineModel, seconds: float) -> TimelineItem | None:
    """The remembered frame (timeline item still in memory) closest to ``seconds``."""
    kept = [item for item in timeline_model.items.values() if item.retained]
    if not kept:
        return None
    return min(kept, key=lambda item: min(abs(item.timestamp - seconds),
                                          abs(item.until - seconds)))  # fmt: skip


class TextSearch(QObject):
    def __init__(
        self,
        service: ScreenText,
        timeline_model: TimelineModel,
        timeline: MemoryTimeline,
        banner: ErrorBanner,
        show_frame: Callable[[TimelineItem], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.service = service
        self.timeline_model = timeline_model
        self.timeline = timeline
        self.banner = banner
        self.show_frame = show_frame
        self.dialog: TextSearchDialog | None = None

    def add_to(self, menu: QMenu) -> None:
        from ..window.menus import action

        menu.addSeparator()
        menu.addAction(action(self, "Find in screen text…", "Ctrl+F", self.open))
        menu.addAction(action(self, "Clear screen text…", None, self.clear))

    @Slot()
    def open(self) -> None:
        dialog = self.dialog
        if dialog is None:
            dialog = self.dialog = TextSearchDialog(self.service, self.parent_widget)
            dialog.sig_hit_chosen.connect(self.show_hit)
        dialog.show()
        dialog.raise_()
        dialog.query.setFocus()
        dialog.query.selectAll()

    @Slot(object)
    def show_hit(self, hit) -> None:
        memory = self.service.memory
        item = nearest_item(self.timeline_model, hit.first_seen)
        if memory is None or hit.session != memory.session or item is None:
            self.banner.show_note(
                f"“{hit.text[:60]}” was seen at {clock(hit.first_seen)} in an earlier memory: "
                "its frames are no longer kept"
            )
            return
        self.timeline.set_highlight([item.frame_index])
        self.show_frame(item)

    @Slot()
    def clear(self) -> None:
        answer = QMessageBox.question(
            self.parent_widget, "Clear screen text",
            "Forget all the text read on the screen (and the saved history, if kept)?",
        )  # fmt: skip
        if answer == QMessageBox.StandardButton.Yes:
            self.service.clear()
