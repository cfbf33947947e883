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

from ..events import CarrierInfo


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
    """Entries plus the cosine similarity of each adjacent pair, kept up to date incrementally
    (an append or an eviction touches one or two pairs, not the whole bank)."""

    def __init__(self, capacity: int | None) -> None:
        if capacity is not None and capacity < 1:
            raise ValueError(f"memory capacity must be at least 1 (got {capacity})")
        self.capacity = capacity
        self.entries: list[BankEntry] = []
        self._units: list[torch.Tensor] = []  # normalised embeddings, aligned with entries
        self._similarity: list[float] = []  # cos(entry i, entry i+1)

    def __len__(self) -> int:
        return len(self.entries)

    def append(self, entry: BankEntry) -> None:
        unit = torch.nn.functional.normalize(entry.embedding.float(), dim=-1)
        if self._units:
            self._similarity.append(float((self._units[-1] * unit).sum()))
        self.entries.append(entry)
        self._units.append(unit)

    def _remove(self, position: int) -> BankEntry:
        del self._units[position]
        removed = self.entries.pop(position)
        if position < len(self._similarity):
            del self._similarity[position]  # the pair (position, position + 1)
        if position > 0:
            del self._similarity[position - 1]  # the pair (position - 1, position)
            if position < len(self._units):  # neighbours are now adjacent
                joined = float((self._units[position - 1] * self._units[position]).sum())
                self._similarity.insert(position - 1, joined)
        return removed

    def evict_over_capacity(self) -> list[tuple[int, BankEntry]]:
        """Evict until within capacity; returns (position at eviction time, entry) pairs."""
        evicted: list[tuple[int, BankEntry]] = []
        while self.capacity is not None and len(self.entries) > self.capacity:
            position = self._similarity.index(max(self._similarity))  # first on ties
            evicted.append((position, self._remove(position)))
        return evicted

    def infos(self) -> tuple[CarrierInfo, ...]:
        return tuple(entry.info() for entry in self.entries)

    def timestamps(self) -> list[float]:
        return [entry.timestamp for entry in self.entries]
