"""The pictures each answer looked at, kept with the answer whatever memory comes next.

Contract: plain Python. Frame indices restart with every memory (a new video, File > New memory,
a new model), so an answer's evidence is never looked up by index later.
``EvidenceShelf.keep(answer_id, memory, items)`` stores copies of the timeline items an answer or
an alert pointed at (index, time, thumbnail; not the larger keepsake) with the number of the
memory they came from (``TimelineModel.memory``). ``items(answer_id)`` gives them back in the
answer's order; ``in_memory(answer_id, memory)`` says whether they are frames of the memory now
shown: only then are they outlined on the timeline, or opened large from it. At most
``max_answers`` answers keep pictures (the oldest give theirs up and show their times only).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace

from .timeline import TimelineItem

MAX_ANSWERS = 300  # x 3 thumbnails of ~96x54 pixels: a few MB at most


class EvidenceShelf:
    def __init__(self, max_answers: int = MAX_ANSWERS) -> None:
        self.max_answers = max_answers
        self._kept: OrderedDict[int, tuple[int, list[TimelineItem | None]]] = OrderedDict()

    def keep(self, answer_id: int, memory: int, items: list[TimelineItem | None]) -> None:
        """``items``: the timeline's item for each evidence frame (None: no longer there)."""
        copies = [None if item is None else replace(item, keepsake=None) for item in items]
        self._kept[answer_id] = (memory, copies)
        self._kept.move_to_end(answer_id)
        while len(self._kept) > self.max_answers:
            self._kept.popitem(last=False)

    def items(self, answer_id: int) -> list[TimelineItem | None]:
        kept = self._kept.get(answer_id)
        return list(kept[1]) if kept else []

    def in_memory(self, answer_id: int, memory: int) -> bool:
        kept = self._kept.get(answer_id)
        return kept is not None and kept[0] == memory

    def clear(self) -> None:
        self._kept.clear()
