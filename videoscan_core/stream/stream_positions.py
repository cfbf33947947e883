"""The position bookkeeping of one stream, in one object.

Contract: ``StreamPositions(model, mode, capacity)`` owns what the engine needs to number and
move tokens: ``used`` (the next free position; ``compact`` numbers from the cache length
instead, ``next_start``), ``book`` (``PositionBook``: every cache slot's positions), the
``Rotation`` that moves cached keys (``rerotate``/``sliding`` only), the place each frame's
chunk added (``gaps``, for ``sliding``) and this stream's place in the family's layout
(``layout``, from ``model.new_stream()``; ``checkpoint``/``restore`` around a step that may
abort). ``record`` refuses positions past the model's limit before a forward and notes them;
``placed`` and ``after_system`` advance ``used``; ``settle`` applies a cut (``positions.settle``).
The math lives in ``positions.py``; this object only keeps the state.
"""

from __future__ import annotations

import copy

import torch

from .positions import PositionBook, Rotation, check_limit, settle


class StreamPositions:
    def __init__(self, model, mode: str, capacity: int) -> None:
        self.model, self.mode = model, mode
        self.used = 0  # next free position (compact numbers from the cache length)
        rows = getattr(model, "position_rows", 1)
        self.book = PositionBook(model.num_layers, rows, capacity)  # per-slot positions
        rerotating = mode in ("rerotate", "sliding")
        self.rotation = Rotation.from_model(model) if rerotating else None  # checks RoPE
        self.layout = model.new_stream()  # this stream's place in the family's layout
        self.gaps: dict[int, list[int]] = {}  # frame -> per row, what its place adds (sliding)

    def next_start(self, cache_length: int) -> int:
        """Where the next tokens go."""
        return cache_length if self.mode == "compact" else self.used

    def record(self, positions: torch.Tensor, cache_length: int) -> None:
        """Refuse ``positions [R, 1, q]`` past the model's limit (before the forward), then note
        them after the cache's ``cache_length`` slots (a question or abort was rolled back)."""
        check_limit(positions, getattr(self.model, "max_position_embeddings", 0), self.mode)
        self.book.truncate(cache_length)
        self.book.append(positions)

    def after_system(self, positions: torch.Tensor) -> None:
        self.used = self.model.next_position(positions)

    def placed(self, frame_index: int, start: int, positions: torch.Tensor) -> None:
        """A frame chunk went in at ``positions [R, 1, q]`` from ``start``: note what it adds."""
        self.used = self.model.next_position(positions)
        self.gaps[frame_index] = self.layout.gap(start, positions)

    def settle(self, cache, cache_layout, keep) -> None:
        """After a cut that kept ``keep``: the kept slots' positions; rerotate/sliding move the
        keys and the next free position."""
        closed = settle(self.mode, cache, self.book, self.rotation, cache_layout, self.gaps, keep)
        if closed == []:  # rerotate: packed
            self.used = self.book.next_free()
        elif closed is not None:  # sliding: later frames moved back by what left
            self.used = self.layout.closed(closed, self.used)

    def checkpoint(self):
        """The family layout's state before a step (``restore`` it when the step aborts)."""
        return copy.copy(self.layout)

    def restore(self, layout) -> None:
        self.layout = layout
