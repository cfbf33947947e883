"""The model worker's questions: which are stopped, which one is written, which wait for a frame.

Contract: plain Python, used by ``EngineWorker`` under its lock. ``stop(answer_id)`` marks a
question stopped, whether it waits or is being written (then ``should_stop()`` turns true; the
engine polls it between tokens). ``begin(answer_id)`` starts writing an answer and returns False
when that question was stopped before it began; ``end()`` when it is done. A question asked while
the memory holds no frame yet (a model just loaded, a new memory) is ``park``-ed instead of being
answered from nothing; ``due(frames_in_memory)`` hands back, in order, the parked questions that
may run now: all of them once a frame is in memory, the stopped ones at once (to be finished as
stopped). ``abort()`` stops whatever is being written (the app is closing).
"""

from __future__ import annotations

import threading

from .commands import Ask


class WorkerQuestions:
    def __init__(self) -> None:
        self._stopped: set[int] = set()  # answer ids stopped (maybe before they started)
        self._answering = 0  # the answer id being written (0: none)
        self._cancel = threading.Event()  # the answer being written should stop
        self._parked: list[Ask] = []  # asked before any frame was in memory

    def stop(self, answer_id: int) -> None:
        self._stopped.add(answer_id)
        if answer_id == self._answering:
            self._cancel.set()

    def should_stop(self) -> bool:
        return self._cancel.is_set()

    def abort(self) -> None:
        self._cancel.set()

    def begin(self, answer_id: int) -> bool:
        stopped = answer_id in self._stopped
        self._stopped.discard(answer_id)
        self._answering = 0 if stopped else answer_id
        self._cancel.clear()
        return not stopped

    def end(self) -> None:
        self._answering = 0

    def park(self, ask: Ask) -> None:
        self._parked.append(ask)

    def has_due(self, frames_in_memory: bool) -> bool:
        return any(frames_in_memory or a.answer_id in self._stopped for a in self._parked)

    def due(self, frames_in_memory: bool) -> list[Ask]:
        due = [a for a in self._parked if frames_in_memory or a.answer_id in self._stopped]
        self._parked = [a for a in self._parked if a not in due]
        return due
