"""The text memory: every line read on the screen, once, with when it was first and last seen.

Contract: ``TextMemory(max_lines, max_bytes, path=None, retention_days=None)`` keeps lines in a
``LineStore`` (RAM; a file only for the persistent history, ``path``, where lines older than
``retention_days`` are dropped when it opens). ``observe(reading, t, session, source)`` takes one
frame's ``FrameReading``: each line read is matched to a line already remembered (same text
ignoring case and spaces, nearest place first; or, for OCR noise, at least ``FUZZY`` similar with
the same digits in the same column), which then only gets ``last_seen = t`` and its new box; a
line that had left matches only where it was; unmatched lines are new entries (``first_seen =
t``), grouped into blocks with the other new lines of the frame (``layout.group_lines``).
Remembered lines still on screen outside the areas read (nothing changed there, or cut by an
area's edge) are seen at ``t`` too; those wholly inside an area read and not read again have
left; a line read is only matched to one on screen that the areas read reach (one outside them
is still where it was, unchanged). ``touch(t, session)``: an unchanged
frame, every line on screen is seen at ``t``. A new ``session`` (a new memory) starts with nothing
on screen. Bounded: over ``max_lines`` lines or ``max_bytes`` (``store.ROW_OVERHEAD`` + text per
line) the least recently seen go first. Thread-safe (one lock; every call is short, OCR happens
outside). Queries: ``retrieve.py``.
"""

from __future__ import annotations

import difflib
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .layout import group_lines
from .reading import FrameReading
from .regions import Box
from .store import LineStore, StoredLine

HISTORY_FILE = "screen_text.sqlite"  # in the user data folder, when the user keeps a history
DEFAULT_MAX_LINES = 20_000
DEFAULT_MAX_BYTES = 4_000_000
FUZZY = 0.85
RECENT_GONE = 1000  # lines that left the screen, still matched if they come back
_DIGITS = re.compile(r"\d+")
# letters OCR confuses with digits: compared as those digits, so "Bui1d" matches "Build" while
# "A-77316" never matches "A-77315"
_CONFUSED = str.maketrans("oilz|sb", "0112158")


def history_path() -> Path:
    """Where the persistent history lives (``user_dirs.data_dir()``); not created here."""
    from ..user_dirs import data_dir

    return data_dir() / HISTORY_FILE


def line_key(text: str) -> str:
    """A line's identity: its text without case and spaces."""
    return "".join(text.lower().split())


@dataclass
class _OnScreen:
    id: int
    key: str
    box: Box
    text: str
    score: float


class TextMemory:
    def __init__(
        self,
        max_lines: int = DEFAULT_MAX_LINES,
        max_bytes: int = DEFAULT_MAX_BYTES,
        path: Path | str | None = None,
        retention_days: float | None = None,
    ) -> None:
        if max_lines < 1 or max_bytes < 1:
            raise ValueError("max_lines and max_bytes must be at least 1")
        self.max_lines, self.max_bytes = max_lines, max_bytes
        self.lock = threading.RLock()
        self.store = LineStore(path)
        self._visible: dict[int, _OnScreen] = {}
        self._gone: dict[int, _OnScreen] = {}  # insertion order = the order they left
        self.session: str | None = None
        self.evicted = 0
        if retention_days is not None and path is not None:
            self.store.delete_before(time.time() - retention_days * 86400)
            self.store.commit()

    # -- frames -----------------------------------------------------------------------------
    def observe(
        self, reading: FrameReading, timestamp: float, session: str = "0", source: str = ""
    ) -> list[int]:
        """Remember one frame's lines; returns the ids of the new ones."""
        with self.lock:
            self._enter(session)
            self.store.tick += 1
            wall = time.time()
            matched, fresh = self._match(reading)
            seen: list[tuple[int, float, tuple[int, int, int, int] | None]] = [
                (line_id, timestamp, reading.lines[i].box) for i, line_id in matched.items()
            ]
            for i, line_id in matched.items():
                self._better_text(line_id, reading.lines[i])
            for line_id, entry in list(self._visible.items()):
                if line_id in matched.values():
                    continue
                if any(_inside(entry.box, area) for area in reading.areas) or reading.whole:
                    self._gone[line_id] = self._visible.pop(line_id)  # read again: not there
                else:
                    seen.append((line_id, timestamp, None))  # not read: unchanged, still there
            self.store.update_seen(seen, wall)
            for i, line_id in matched.items():
                entry = self._visible.get(line_id) or self._gone.pop(line_id)
                entry.box = reading.lines[i].box
                self._visible[line_id] = entry
            new_ids = self._insert(reading, fresh, timestamp, session, source, wall)
            self._bound()
            self.store.commit()
            return new_ids

    def touch(self, timestamp: float, session: str = "0") -> None:
        """An unchanged frame at ``timestamp``: what is on screen is still there."""
        with self.lock:
            if session != self.session or not self._visible:
                return
            self.store.tick += 1
            self.store.update_seen([(i, timestamp, None) for i in self._visible], time.time())
            self.store.commit()

    def new_session(self, session: str) -> None:
        with self.lock:
            self._enter(session)

    def _enter(self, session: str) -> None:
        if session != self.session:
            self.session = session
            self._visible.clear()
            self._gone.clear()

    def _match(self, reading: FrameReading) -> tuple[dict[int, int], list[int]]:
        """Line index -> remembered id for lines seen before; indices of new lines."""
        taken: set[int] = set()
        matched: dict[int, int] = {}
        fresh: list[int] = []
        reached = [
            entry
            for entry in self._visible.values()
            if reading.whole or any(_overlaps(entry.box, area) for area in reading.areas)
        ]
        for i, line in enumerate(reading.lines):
            key = line_key(line.text)
            # on screen: anywhere (it may have scrolled); gone: only back at its place (a flicker,
            # a window shown again), else the same words later are a new line with its own times
            back = [e for e in self._gone.values() if _same_place(e.box, line.box)]
            pool = {e.id: e for e in [*back, *reached]}
            exact = [e for e in pool.values() if e.key == key and e.id not in taken]
            best: _OnScreen | None
            if exact:
                best = min(exact, key=lambda e: _distance(e.box, line.box))
            else:
                best = _similar(key, line.box, [e for e in pool.values() if e.id not in taken])
            if best is None:
                fresh.append(i)
            else:
                taken.add(best.id)
                matched[i] = best.id
        return matched, fresh

    def _better_text(self, line_id: int, line) -> None:
        entry = self._visible.get(line_id) or self._gone.get(line_id)
        if entry is not None and line.text != entry.text and line.score > entry.score + 0.02:
            self.store.update_text(line_id, entry.text, line.text, line.score)
            entry.text, entry.score = line.text, line.score

    def _insert(self, reading, fresh, timestamp, session, source, wall) -> list[int]:
        new_ids = []
        boxes = [reading.lines[i].box for i in fresh]
        for group in group_lines(boxes):
            block = self.store.new_block()
            for order, member in enumerate(group):
                line = reading.lines[fresh[member]]
                stored = StoredLine(
                    0, line.text, timestamp, timestamp, line.box, session, source, block, order,
                    line.score,
                )
                line_id = self.store.insert(stored, wall)
                self._visible[line_id] = _OnScreen(
                    line_id, line_key(line.text), line.box, line.text, line.score
                )
                new_ids.append(line_id)
        return new_ids

    def _bound(self) -> None:
        while len(self._gone) > RECENT_GONE:
            self._gone.pop(next(iter(self._gone)))
        lines, size = self.store.size()
        if lines <= self.max_lines and size <= self.max_bytes:
            return
        while lines > self.max_lines or size > self.max_bytes:
            over = max(lines - self.max_lines, 1 + (size - self.max_bytes) // 64, 1)
            batch = max(over, self.max_lines // 20, 1)  # drop a few at once: fewer rescans
            for line_id in self.store.drop_least_recent(min(batch, lines)):
                self._visible.pop(line_id, None)
                self._gone.pop(line_id, None)
                self.evicted += 1
            lines, size = self.store.size()

    # -- housekeeping -----------------------------------------------------------------------
    def clear(self) -> None:
        """Forget every line (and, for the persistent history, delete them from its file)."""
        with self.lock:
            self.store.clear()
            self.store.commit()
            self._visible.clear()
            self._gone.clear()

    def size(self) -> tuple[int, int]:
        with self.lock:
            return self.store.size()

    def close(self) -> None:
        with self.lock:
            self.store.close()


def _inside(box: Box, area: Box, slack: int = 2) -> bool:
    """Wholly inside: a line the area cut through was not really read, so it has not left."""
    return (
        box[0] >= area[0] - slack
        and box[1] >= area[1] - slack
        and box[2] <= area[2] + slack
        and box[3] <= area[3] + slack
    )


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _same_place(a: Box, b: Box) -> bool:
    height = max(1, min(a[3] - a[1], b[3] - b[1]))
    return abs(a[0] - b[0]) <= 2 * height and abs(a[1] - b[1]) <= height


def _distance(a: Box, b: Box) -> float:
    return abs(a[0] - b[0]) + abs(a[1] - b[1])


def _digits(key: str) -> list[str]:
    return _DIGITS.findall(key.translate(_CONFUSED))


def _similar(key: str, box: Box, candidates: list[_OnScreen]) -> _OnScreen | None:
    """The most similar remembered line: OCR noise, not a different line (same digits, same
    column, at least ``FUZZY`` alike)."""
    digits = _digits(key)
    height = max(1, box[3] - box[1])
    best, best_ratio = None, FUZZY
    for entry in candidates:
        if len(key) < 6 or abs(len(entry.key) - len(key)) > 0.2 * len(key):
            continue
        if abs(entry.box[0] - box[0]) > 2 * height or _digits(entry.key) != digits:
            continue
        matcher = difflib.SequenceMatcher(None, key, entry.key)
        if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
            continue
        ratio = matcher.ratio()
        if ratio >= best_ratio:
            best, best_ratio = entry, ratio
    return best
