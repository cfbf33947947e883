"""What the assistant remembers, as data for the memory timeline (no Qt).

Contract: ``TimelineModel.on_frame(event, thumbnail, keepsake)`` records a new carrier and marks
the carriers that frame evicted (with the time they were evicted; an evicted item drops its
keepsake, the larger image kept for export, so only carriers in memory hold one);
``on_snapshot(snapshot)`` syncs capacity, carrier time ranges (static frames fold into the newest
carrier) and evictions made outside a frame step (a smaller memory size). At most ``max_evicted``
evicted items are kept, so the model stays bounded however long the session runs. ``memory``
numbers the memory shown: ``reset()`` (a new memory) counts it up, since frame indices restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class TimelineItem:
    frame_index: int
    timestamp: float
    until: float
    thumbnail: Any = None  # a QImage in the app; anything in tests
    evicted_at: float | None = None
    keepsake: bytes | None = None  # a JPEG of the frame for export, while it is in memory

    def evict(self, at: float) -> None:
        self.evicted_at = at
        self.keepsake = None

    @property
    def retained(self) -> bool:
        return self.evicted_at is None


class TimelineModel:
    def __init__(self, max_evicted: int = 300) -> None:
        self.max_evicted = max_evicted
        self.items: dict[int, TimelineItem] = {}
        self._capacity: int | None = None
        self.capacity_known = False  # False until a model said it (no model: no capacity)
        self.now = 0.0
        self.memory = 0  # which memory the items belong to (frame indices restart with each)

    @property
    def capacity(self) -> int | None:
        """Carriers the model keeps (None: every frame); ``capacity_known`` once set."""
        return self._capacity

    @capacity.setter
    def capacity(self, value: int | None) -> None:
        self._capacity, self.capacity_known = value, True

    @property
    def retained(self) -> list[TimelineItem]:
        return [item for item in self.items.values() if item.retained]

    @property
    def evicted(self) -> list[TimelineItem]:
        return [item for item in self.items.values() if not item.retained]

    def on_frame(self, event, thumbnail: Any = None, keepsake: Any = None) -> None:
        self.now = max(self.now, event.timestamp)
        self.items[event.frame_index] = TimelineItem(
            event.frame_index, event.timestamp, event.timestamp, thumbnail, keepsake=keepsake
        )
        for carrier in event.evicted:
            item = self.items.get(carrier.frame_index)
            if item is not None and item.retained:
                item.evict(event.timestamp)
        self._prune()

    def on_snapshot(self, snapshot) -> None:
        self.capacity = snapshot.capacity
        kept = {carrier.frame_index: carrier for carrier in snapshot.carriers}
        for item in self.items.values():
            carrier = kept.get(item.frame_index)
            if carrier is not None:
                item.until = carrier.until
                self.now = max(self.now, carrier.until)
            elif item.retained:
                item.evict(self.now)
        self._prune()

    def reset(self) -> None:
        self.items.clear()
        self.now = 0.0
        self.memory += 1

    def _prune(self) -> None:
        evicted = [item for item in self.items.values() if not item.retained]
        for item in evicted[: max(0, len(evicted) - self.max_evicted)]:
            del self.items[item.frame_index]
