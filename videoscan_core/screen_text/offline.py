"""Screen text of sampled frames read in the caller's thread: the CLI, the benchmarks, tests.

Contract: ``TextPass(memory=None, engine=None, session="0", source="")`` reads every frame it is
fed, the same way the live reader does but without skipping: ``feed(rgb, t)`` runs the change
detector (``capture.change_detector``; a first frame is read whole), reads what changed
(``reading.read_frame``) into the memory, or marks an unchanged frame as seen; ``tap(samples)``
yields ``(t, rgb)`` samples unchanged while feeding them; ``for_question(question)`` and
``lines()`` query what was read (``for_question`` as the live readers have it). ``stats()``:
frames fed, frames read, OCR seconds and the lines kept. A failing OCR (``ScreenTextError``) turns
the pass off: ``error`` keeps the one line and later frames are only passed through.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from ..capture.change_detector import ChangeDetector
from .memory import TextMemory
from .ocr import OcrEngine, ScreenTextError
from .reading import FrameReading, read_frame


class TextPass:
    def __init__(
        self,
        memory: TextMemory | None = None,
        engine: OcrEngine | None = None,
        session: str = "0",
        source: str = "",
        threshold: float = 0.01,
    ) -> None:
        self.memory = memory or TextMemory()
        self.engine = engine or OcrEngine()
        self.session, self.source = session, source
        self.detector = ChangeDetector(threshold)
        self.fed = 0
        self.readings: list[FrameReading] = []  # one per frame read (times, pixels, areas)
        self.error: str | None = None

    def feed(self, rgb: np.ndarray, timestamp: float) -> FrameReading | None:
        """Read one sampled frame; the reading, or None for an unchanged frame (or after an
        error)."""
        self.fed += 1
        if self.error is not None:
            return None
        if self.detector.is_static(rgb):
            self.memory.touch(timestamp, self.session)
            return None
        try:
            reading = read_frame(self.engine, rgb, list(self.detector.last_regions))
        except ScreenTextError as error:
            self.error = str(error)
            return None
        self.memory.observe(reading, timestamp, self.session, self.source)
        self.readings.append(reading)
        return reading

    def tap(
        self, samples: Iterable[tuple[float, np.ndarray]]
    ) -> Iterator[tuple[float, np.ndarray]]:
        for timestamp, rgb in samples:
            self.feed(rgb, timestamp)
            yield timestamp, rgb

    def for_question(self, question: str) -> list:
        """The blocks to show with ``question`` (``retrieve.relevant``); none after an error."""
        from .retrieve import relevant

        return [] if self.error else relevant(self.memory, question, self.session)

    def lines(self) -> list:
        """Every remembered line of this pass, in time order."""
        from .retrieve import all_lines

        return all_lines(self.memory, self.session)

    def stats(self) -> dict:
        lines, size = self.memory.size()
        return {
            "frames": self.fed,
            "frames_read": len(self.readings),
            "ocr_s": round(sum(r.ms for r in self.readings) / 1000, 3),
            "lines": lines,
            "bytes": size,
            "error": self.error,
        }
