"""What one frame step feeds the decoder: the chunk and the frame's memory-bank summary.

Contract: ``frame_chunk(model, config, visual, t)`` returns ``(FrameInputs, summary [D])``.
With carriers the carrier is the mean of the frame's VISUAL tokens only (scaffold text excluded),
or the model's constant carrier for the "without carrier embedding" ablation; with
``carrier_kv=False`` the chunk is the carrier alone. Without carriers the chunk is the frame's
scaffold and visual tokens, and the summary is still their visual mean (for eviction).
"""

from __future__ import annotations

import torch

from ..adapters.base import FrameInputs, VisualTokens
from ..config import EngineConfig


def frame_chunk(
    model, config: EngineConfig, visual: VisualTokens, timestamp: float
) -> tuple[FrameInputs, torch.Tensor]:
    tokens = visual.tokens  # [1, N, D]
    if not config.carrier:
        return model.frame_inputs(visual, timestamp, None), tokens[0].mean(dim=0)
    carrier = tokens.mean(dim=1, keepdim=True)  # [1, 1, D]
    if config.carrier_input == "constant":
        carrier = model.constant_carrier().to(tokens.dtype).view(1, 1, -1)
    summary = carrier[0, 0]
    if config.carrier_kv:
        return model.frame_inputs(visual, timestamp, carrier), summary
    return model.frame_inputs(None, timestamp, carrier), summary  # frame never enters the cache
