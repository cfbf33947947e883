"""Bookkeeping of what every KV-cache slot holds, and the keep-lists for cutting the cache.

Contract: the cache is ``[system entries][block of frame a][block of frame b]...`` in stream order.
A frame's block is its visual entries (all N while in the recent window, or the top-k the carrier
chose, possibly different per layer, or none) followed by its carrier entry (when it has one and it
has not been evicted). A block's first ``time`` entries (the scaffold text stating the frame's time,
SmolVLM2 / Qwen3-VL) stay with the carrier: once the rest of the frame is cut the block is ``[time
entries][top-k][carrier]``, and they leave with the carrier. Top-k indices count from the block's
first entry and never name a time entry. ``CacheLayout.transition(changes)`` applies per-block state
changes and returns the slots to keep: one list for all layers, or one list per layer when a block
switches from all visual entries to its per-layer top-k. Blocks left empty disappear.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

VisualState = Literal["full", "selected", "none"]


@dataclass
class FrameBlock:
    frame_index: int
    visual_count: int  # N: visual tokens the frame had
    visual: VisualState
    carrier: bool
    # Per layer, sorted indices (0..N-1) of the top-k visual entries; None without VideoScan+.
    selected: list[list[int]] | None = None
    time: int = 0  # leading entries stating the frame's time, kept while the carrier is
    timestamp: float = 0.0  # the frame's time on the stream's timeline

    @property
    def time_size(self) -> int:
        """Time entries held apart from the visual ones (inside them while all are kept)."""
        return self.time if self.carrier and self.visual != "full" else 0

    @property
    def visual_size(self) -> int:
        if self.visual == "full":
            return self.visual_count
        if self.visual == "selected":
            return len(self.selected[0]) if self.selected else 0
        return 0

    @property
    def size(self) -> int:
        return self.time_size + self.visual_size + int(self.carrier)


@dataclass(frozen=True)
class BlockChange:
    frame_index: int
    visual: VisualState
    carrier: bool


@dataclass
class CacheLayout:
    system: int = 0
    blocks: list[FrameBlock] = field(default_factory=list)

    @property
    def length(self) -> int:
        return self.system + sum(block.size for block in self.blocks)

    def block(self, frame_index: int) -> FrameBlock:
        for block in self.blocks:
            if block.frame_index == frame_index:
                return block
        raise KeyError(frame_index)

    def carrier_slot(self, frame_index: int) -> int:
        """Cache slot of a frame's carrier entry."""
        start = self.system
        for block in self.blocks:
            if block.frame_index == frame_index:
                if not block.carrier:
                    raise KeyError(f"frame {frame_index} has no carrier in the cache")
                return start + block.time_size + block.visual_size
            start += block.size
        raise KeyError(frame_index)

    def block_start(self, frame_index: int) -> int:
        start = self.system
        for block in self.blocks:
            if block.frame_index == frame_index:
                return start
            start += block.size
        raise KeyError(frame_index)

    def transition(
        self, changes: list[BlockChange], num_layers: int
    ) -> list[int] | list[list[int]]:
        """Apply ``changes`` and return the slots to keep (shared or per layer)."""
        by_frame = {change.frame_index: change for change in changes}
        per_layer: list[list[int]] = [list(range(self.system)) for _ in range(num_layers)]
        uniform = True
        start = self.system
        survivors: list[FrameBlock] = []
        for block in self.blocks:
            change = by_frame.get(block.frame_index)
            new_visual = change.visual if change else block.visual
            new_carrier = change.carrier if change else block.carrier
            if new_carrier and not block.carrier:
                raise ValueError("a carrier cannot come back once it has left the cache")
            keep_time = new_carrier and new_visual != "full"
            time = list(range(start, start + block.time)) if keep_time else []
            for layer in range(num_layers):
                per_layer[layer].extend(time)
                per_layer[layer].extend(self._visual_sources(block, start, new_visual, layer))
                if block.carrier and new_carrier:
                    per_layer[layer].append(start + block.time_size + block.visual_size)
            if block.visual == "full" and new_visual == "selected":
                uniform = False
            start += block.size
            block.visual, block.carrier = new_visual, new_carrier
            if block.size:
                survivors.append(block)
        self.blocks = survivors
        return per_layer[0] if uniform else per_layer

    @staticmethod
    def _visual_sources(block: FrameBlock, start: int, new: VisualState, layer: int) -> list[int]:
        old = block.visual
        if new == "none" or old == "none":
            if new != "none":
                raise ValueError("visual entries cannot come back once they have left the cache")
            return []
        if old == new:
            first = start + block.time_size
            return list(range(first, first + block.visual_size))
        if old == "full" and new == "selected":
            if not block.selected:
                raise ValueError(f"frame {block.frame_index} has no top-k selection")
            return [start + index for index in block.selected[layer]]
        raise ValueError(f"cannot change visual entries from {old} to {new}")
