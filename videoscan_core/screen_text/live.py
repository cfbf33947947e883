"""Screen text of a live source outside the app (``videoscan serve/mcp --source``).

Contract: ``LiveText(kind, source)`` holds a text memory, its reading thread and a change
detector; ``reads(kind)`` says whether a source kind is read at all (``TEXT_KINDS``: screen,
region, window and video files; not webcams or the demo). ``tee(sink)`` wraps a frame sink
``sink(t, rgb)``: each frame goes to the text first (change detection in the caller's thread,
about a millisecond; the OCR itself in the reading thread, newest frame wins), then to ``sink``.
``for_question(question)`` gives the blocks to show with a question; ``memory`` is searched with
``retrieve``. ``start()`` / ``stop()`` run and end the reading thread. The frames it gets are
the capture sources' own, after the privacy guard's black-out.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..capture.change_detector import ChangeDetector
from ..events import SeenText
from .memory import TextMemory
from .reader import ScreenTextReader
from .retrieve import relevant

TEXT_KINDS = ("screen", "region", "window", "file")
SESSION = "0"


def reads(kind: str) -> bool:
    return kind in TEXT_KINDS


class LiveText:
    def __init__(self, source: str = "", memory: TextMemory | None = None) -> None:
        self.memory = memory or TextMemory()
        self.reader = ScreenTextReader(self.memory)
        self.detector = ChangeDetector()
        self.source = source

    def start(self) -> LiveText:
        self.reader.start()
        return self

    def stop(self) -> None:
        self.reader.stop()

    def feed(self, timestamp: float, rgb: np.ndarray) -> None:
        if self.detector.is_static(rgb):
            self.reader.offer_static(timestamp, SESSION)
        else:
            regions = list(self.detector.last_regions)
            self.reader.offer(rgb, timestamp, regions, SESSION, self.source)

    def tee(self, sink: Callable[[float, np.ndarray], None]) -> Callable[[float, np.ndarray], None]:
        def both(timestamp: float, rgb: np.ndarray) -> None:
            self.feed(timestamp, rgb)
            sink(timestamp, rgb)

        return both

    def for_question(self, question: str) -> list[SeenText]:
        if self.reader.failed:
            return []
        return relevant(self.memory, question, SESSION)
