"""What the cache keeps of each frame after a step: the retention policy, in one place.

Contract: ``step_changes(config, layout, frame_index)`` lists the ``BlockChange``s a frame step
asks for: the new frame's settled state (its full tokens while a recent window is on, else its
top-k or nothing beside its carrier) and the frames that just left the recent window (their
top-k, or nothing). ``cut_changes(config, layout, changes, evicted)`` adds what the evicted
bank entries lose (their carrier, and their top-k or whole frame) and returns only the changes
that change something (empty: nothing to cut). Pure functions of the config and the layout.
"""

from __future__ import annotations

from typing import Literal

from ..config import EngineConfig
from .cache_layout import BlockChange, CacheLayout, FrameBlock
from .memory_bank import BankEntry


def _aged_visual(config: EngineConfig, block: FrameBlock) -> Literal["selected", "none"]:
    return "selected" if config.keep_topk and block.carrier else "none"


def step_changes(config: EngineConfig, layout: CacheLayout, frame_index: int) -> list[BlockChange]:
    if not config.carrier or config.recent_frames:
        settled = BlockChange(frame_index, "full", config.carrier)
    else:
        settled = BlockChange(frame_index, "selected" if config.keep_topk else "none", True)
    changes = [settled]
    if config.carrier and config.recent_frames:
        aged = frame_index - config.recent_frames
        changes += [
            BlockChange(block.frame_index, _aged_visual(config, block), block.carrier)
            for block in layout.blocks
            if block.frame_index <= aged and block.visual == "full"
        ]
    return changes


def cut_changes(
    config: EngineConfig,
    layout: CacheLayout,
    changes: list[BlockChange],
    evicted: list[BankEntry],
) -> list[BlockChange]:
    merged = {change.frame_index: change for change in changes}
    for entry in evicted:
        block = layout.block(entry.frame_index)
        current = merged.get(entry.frame_index)
        visual = current.visual if current else block.visual
        if not config.carrier or visual == "selected":
            visual = "none"  # a whole frame (full-token mode) or its top-k goes with it
        merged[entry.frame_index] = BlockChange(entry.frame_index, visual, False)
    blocks = {block.frame_index: block for block in layout.blocks}
    return [
        change
        for change in merged.values()
        if (blocks[change.frame_index].visual, blocks[change.frame_index].carrier)
        != (change.visual, change.carrier)
    ]
