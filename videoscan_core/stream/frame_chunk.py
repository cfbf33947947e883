"""What one frame step feeds the decoder: the chunk and the frame's memory-bank summary.

Contract: ``carrier_of(tokens)`` is the carrier of a frame: the mean of its visual tokens
(``[..., N, D]`` -> ``[..., 1, D]``), the one definition the engine and both trainers use.
``frame_chunk(model, config, visual, t)`` returns ``(FrameInputs, summary [D])``.
With carriers the carrier is the mean of the frame's VISUAL tokens only (scaffold text excluded),
or the model's constant carrier for the "without carrier embedding" ablation; with
``carrier_kv=False`` the chunk is the carrier alone. Without carriers the chunk is the frame's
scaffold and visual tokens, and the summary is still their visual mean (for eviction).
"""

from __future__ import annotations

import torch

from ..adapters.base import FrameInputs, VisualTokens
from ..config import EngineConfig


def carrier_of(tokens: torch.Tensor) -> torch.Tensor:
    """The mean of a frame's visual tokens: ``[..., N, D]`` -> ``[..., 1, D]``."""
    return tokens.mean(dim=-2, keepdim=True)


def frame_chunk(
    model, config: EngineConfig, visual: VisualTokens, timestamp: float
) -> tuple[FrameInputs, torch.Tensor]:
    tokens = visual.tokens  # [1, N, D]
    if not config.carrier:
        return model.frame_inputs(visual, timestamp, None), carrier_of(tokens)[0, 0]
    carrier = carrier_of(tokens)  # [1, 1, D]
    if config.carrier_input == "constant":
        carrier = model.constant_carrier().to(tokens.dtype).view(1, 1, -1)
    summary = carrier[0, 0]
    if config.carrier_kv:
        return model.frame_inputs(visual, timestamp, carrier), summary
    return model.frame_inputs(None, timestamp, carrier), summary  # frame never enters the cache
