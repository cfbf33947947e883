"""The semantic-aware causal mask and the matching position ids, vectorised over a batch.

Contract: a sequence is described per token by ``token_types [B, L]`` (PAD, SYSTEM, VISUAL,
CARRIER, TEXT) and ``frame_ids [B, L]`` (the frame a VISUAL/CARRIER token belongs to, -1
otherwise; frames are contiguous and increasing). ``semantic_aware_allowed`` returns a bool
``[B, L, L]`` (True = query may attend to key) with the rules of DESIGN.md section 1:
system tokens are causal among themselves; every later token sees all system tokens; a visual
token sees earlier tokens of its own frame and earlier carriers; a carrier sees its whole frame
and earlier carriers; text sees system, all carriers and earlier text, never visual tokens. Padding
is never attended to (a padding query sees only itself, so no row is empty). ``additive_mask``
turns it into the 4-D float mask ``[B, 1, L, L]`` (0 / dtype min) that both eager and SDPA
attention in transformers accept. ``stream_position_ids`` gives the positions streaming inference
uses without eviction: ``monotonic`` is 0..L-1, ``compact`` numbers every token from the count of
non-visual tokens before it plus its offset among its own frame's visual tokens (a frame starts
where the compacted cache ends).
"""

from __future__ import annotations

import torch

PAD, SYSTEM, VISUAL, CARRIER, TEXT = 0, 1, 2, 3, 4


def semantic_aware_allowed(token_types: torch.Tensor, frame_ids: torch.Tensor) -> torch.Tensor:
    """Bool ``[B, L, L]``: may query i attend to key j."""
    length = token_types.shape[1]
    device = token_types.device
    tq, tk = token_types[:, :, None], token_types[:, None, :]  # [B, L, 1], [B, 1, L]
    fq, fk = frame_ids[:, :, None], frame_ids[:, None, :]
    causal = torch.ones(length, length, dtype=torch.bool, device=device).tril()  # [L, L]
    key_carrier = tk == CARRIER
    query_in_frame = (tq == VISUAL) | (tq == CARRIER)
    same_frame = (fq == fk) & (fk >= 0)
    allowed = (
        (tk == SYSTEM)
        | (query_in_frame & (same_frame | (key_carrier & (fk < fq))))
        | ((tq == TEXT) & (key_carrier | (tk == TEXT)))
    )
    allowed = allowed & causal & (tk != PAD)
    eye = torch.eye(length, dtype=torch.bool, device=device)
    return allowed | (eye & (tq == PAD))


def additive_mask(allowed: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Bool ``[B, L, L]`` -> float ``[B, 1, L, L]`` with 0 where allowed, dtype-min elsewhere."""
    mask = torch.zeros(allowed.shape, dtype=dtype, device=allowed.device)
    mask.masked_fill_(~allowed, torch.finfo(dtype).min)
    return mask[:, None]


def semantic_aware_mask(
    token_types: torch.Tensor, frame_ids: torch.Tensor, dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    """The 4-D additive semantic-aware mask ``[B, 1, L, L]``."""
    return additive_mask(semantic_aware_allowed(token_types, frame_ids), dtype)


def stream_position_ids(
    token_types: torch.Tensor, frame_ids: torch.Tensor, mode: str = "compact"
) -> torch.Tensor:
    """Position ids ``[B, L]`` that match streaming inference (no eviction)."""
    batch, length = token_types.shape
    if mode == "monotonic":
        return torch.arange(length, device=token_types.device).expand(batch, length).clone()
    if mode != "compact":
        raise ValueError(f"unknown position mode {mode!r}")
    is_visual = (token_types == VISUAL).long()
    persistent = ((token_types != VISUAL) & (token_types != PAD)).long()
    persistent_before = persistent.cumsum(1) - persistent  # exclusive cumsum
    visual_before = is_visual.cumsum(1) - is_visual
    previous = torch.cat([frame_ids.new_full((batch, 1), -2), frame_ids[:, :-1]], dim=1)
    frame_start = (frame_ids >= 0) & (frame_ids != previous)
    start_value = torch.where(frame_start, visual_before, torch.full_like(visual_before, -1))
    segment_base = start_value.cummax(dim=1).values
    in_frame = frame_ids >= 0
    offset = torch.where(in_frame, visual_before - segment_base, torch.zeros_like(visual_before))
    return persistent_before + offset


def stream_layout(
    system: int, frames: int, visual_per_frame: int, text: int, carriers: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(token_types [1, L], frame_ids [1, L])`` of ``[system][E_1, c_1]...[E_T, c_T][text]``."""
    types = [SYSTEM] * system
    frame_ids = [-1] * system
    per_frame = [VISUAL] * visual_per_frame + ([CARRIER] if carriers else [])
    for frame in range(frames):
        types += per_frame
        frame_ids += [frame] * len(per_frame)
    types += [TEXT] * text
    frame_ids += [-1] * text
    return torch.tensor([types]), torch.tensor([frame_ids])
