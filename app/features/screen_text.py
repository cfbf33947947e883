"""Screen text in the app: read beside capture, remembered, searched, shown with questions.

Contract: ``ScreenText(settings)`` owns the text memory (``videoscan_core.screen_text``) and its
low-priority reading thread, built from the settings (``apply``: off, limits, persistent history
in ``data_dir()/screen_text.sqlite`` with its retention). Three threads call it, none waits on
OCR: the capture thread calls ``on_capture(frame, t, regions, tag, kind)`` after the privacy
guard's black-out and the change detector, for every frame taken (``frame=None``: unchanged;
paused or withheld capture calls nothing, so nothing is read); only ``TEXT_KINDS`` sources are
read. The worker calls ``for_question(question)`` before each answer (the relevant blocks of the
current session). The GUI calls ``search(query)``, answered later on ``sig_hits(request, hits or
message)`` from a short thread, and ``stats()`` (the reader's own counters). When OCR cannot
run, ``sig_failed(message)`` says so once (the window shows it in its banner) and the assistant
goes on without screen text. The status bar shows the reader's counts (``stats_text``: lines,
frames read, changed frames skipped while reading was busy), refreshed by
``follow_stats(label, stats, parent)``. The window wires it: the capture controller's
``text_sink``, the worker's ``screen_text``, ``sig_failed`` to its banner and Ctrl+F
(``widgets/text_search.TextSearch``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel

from videoscan_core.errors import VideoScanError
from videoscan_core.events import SeenText
from videoscan_core.screen_text.live import TEXT_KINDS
from videoscan_core.screen_text.memory import TextMemory, history_path
from videoscan_core.screen_text.reader import ReaderStats, ScreenTextReader
from videoscan_core.screen_text.retrieve import check_query, relevant, search

from ..background import run_in_background

MB = 1024 * 1024
STATS_MS = 2000  # the status bar's screen-text counters, refreshed (from the reader's own counts)


class ScreenText(QObject):
    sig_failed = Signal(str)
    sig_hits = Signal(int, object)  # request id, list[SearchHit] or a message for people

    def __init__(self, settings, parent=None, history: Path | None = None) -> None:
        super().__init__(parent)
        self._history = history
        self.memory: TextMemory | None = None
        self.reader: ScreenTextReader | None = None
        self._shape: tuple | None = None
        self._requests = 0
        self.apply(settings)

    # -- settings (GUI thread) --------------------------------------------------------------
    def apply(self, settings) -> None:
        """Build, rebuild or drop the memory and reader for these settings."""
        shape = None
        if settings.screen_text:
            shape = (settings.screen_text_max_lines, settings.screen_text_max_mb,
                     settings.screen_text_history, settings.screen_text_retention_days)  # fmt: skip
        if shape == self._shape:
            return
        self.shutdown()
        self._shape = shape
        if shape is None:
            return
        lines, megabytes, keep, days = shape
        memory = TextMemory(
            lines, megabytes * MB, path=self.history if keep else None,
            retention_days=days if keep else None,
        )  # fmt: skip
        reader = ScreenTextReader(memory, on_error=self.sig_failed.emit)
        self.memory, self.reader = memory, reader  # its thread starts with the first frame

    @property
    def history(self) -> Path:
        """The history file (the user data folder's, looked up when used)."""
        return self._history or history_path()

    def shutdown(self) -> None:
        reader, memory = self.reader, self.memory
        self.reader = self.memory = None
        if reader is not None:
            reader.stop()
        if memory is not None:
            memory.close()

    def clear(self) -> None:
        """Forget all screen text (and the history on disk)."""
        if self.memory is not None:
            self.memory.clear()
        elif self.history.exists():
            stored = TextMemory(path=self.history)
            stored.clear()
            stored.close()

    # -- capture thread ---------------------------------------------------------------------
    def on_capture(self, frame, timestamp: float, regions, tag, kind: str) -> None:
        reader = self.reader
        if reader is None or kind not in TEXT_KINDS:
            return
        reader.start()  # (once: OCR loads only when there is something to read)
        session = str(tag.session)
        if frame is None:
            reader.offer_static(timestamp, session)
        else:
            reader.offer(frame, timestamp, list(regions) or None, session, kind)

    # -- worker thread ----------------------------------------------------------------------
    def for_question(self, question: str) -> list[SeenText]:
        memory, reader = self.memory, self.reader
        if memory is None or reader is None or reader.failed:
            return []
        return relevant(memory, question, memory.session)

    # -- GUI --------------------------------------------------------------------------------
    def stats(self) -> ReaderStats | None:
        reader = self.reader
        return reader.stats() if reader is not None else None

    def search(self, query: str) -> int:
        """Search in a short thread; the hits (or one line why not) come on ``sig_hits``."""
        self._requests += 1
        request = self._requests
        try:
            query = check_query(query)
        except VideoScanError as error:
            return self._later(request, str(error))
        memory = self.memory
        if memory is None:
            return self._later(request, "screen text is off (Settings > Screen text)")

        def answer(hits) -> None:  # on the GUI thread
            self.sig_hits.emit(request, str(hits) if isinstance(hits, BaseException) else hits)

        run_in_background(self, lambda: search(memory, query), answer, "screen-text-search")
        return request

    def _later(self, request: int, message: str) -> int:
        """Answer after the caller has the request id (a refusal needs no thread)."""
        QTimer.singleShot(0, self, lambda: self.sig_hits.emit(request, message))
        return request


def follow_stats(label: QLabel, stats: Callable[[], ReaderStats | None], parent: QObject) -> QTimer:
    """Show the reader's counts in ``label`` every ``STATS_MS`` (the timer belongs to
    ``parent``)."""
    timer = QTimer(parent, interval=STATS_MS)
    timer.timeout.connect(lambda: label.setText(stats_text(stats())))
    timer.start()
    return timer


def stats_text(stats: ReaderStats | None) -> str:
    """The status bar's words: '' while nothing was read."""
    if stats is None or (not stats.read and not stats.error):
        return ""
    if stats.error:
        return "screen text off"
    text = f"text: {stats.lines:,} lines · {stats.read:,} read"
    return text + (f" · {stats.skipped:,} skipped" if stats.skipped else "")
