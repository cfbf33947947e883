"""The carrier memory bank: a bounded list of carriers and the redundancy eviction rule.

Contract: entries are kept in stream order, one per carrier (or per whole frame in full-token
mode), aligned with the carriers' cache slots by the engine. ``append`` adds the newest entry;
``evict_over_capacity`` then removes, while the bank holds more than ``capacity`` entries, the
older member ``i`` of the adjacent pair ``(i, i+1)`` whose input embeddings have the highest cosine
similarity (the first such pair on ties). The newest entry is therefore never evicted.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .events import CarrierInfo


@dataclass
class BankEntry:
    frame_index: int
    timestamp: float
    until: float
    embedding: torch.Tensor  # [D] carrier input embedding (float32, on the model's device)

    def info(self) -> CarrierInfo:
        return CarrierInfo(self.frame_index, self.timestamp, self.until)


def most_redundant_index(embeddings: torch.Tensor) -> int:
    """Index i of the older member of the most cosine-similar adjacent pair; embeddings [K, D]."""
    if embeddings.shape[0] < 2:
        raise ValueError("eviction needs at least two entries")
    unit = torch.nn.functional.normalize(embeddings.float(), dim=-1)  # [K, D]
    similarity = (unit[:-1] * unit[1:]).sum(-1)  # [K-1]: cos(e_i, e_{i+1})
    return int(torch.argmax(similarity))


class MemoryBank:
    def __init__(self, capacity: int | None) -> None:
        if capacity is not None and capacity < 1:
            raise ValueError(f"memory capacity must be at least 1 (got {capacity})")
        self.capacity = capacity
        self.entries: list[BankEntry] = []

    def __len__(self) -> int:
        return len(self.entries)

    def append(self, entry: BankEntry) -> None:
        self.entries.append(entry)

    def evict_over_capacity(self) -> list[tuple[int, BankEntry]]:
        """Evict until within capacity; returns (position at eviction time, entry) pairs."""
        evicted: list[tuple[int, BankEntry]] = []
        while self.capacity is not None and len(self.entries) > self.capacity:
            position = most_redundant_index(torch.stack([e.embedding for e in self.entries]))
            evicted.append((position, self.entries.pop(position)))
        return evicted

    def infos(self) -> tuple[CarrierInfo, ...]:
        return tuple(entry.info() for entry in self.entries)

    def timestamps(self) -> list[float]:
        return [entry.timestamp for entry in self.entries]
