"""The semantic-aware causal mask and the matching position ids, vectorised over a batch.

Contract: a sequence is described per token by ``token_types [B, L]`` (PAD, SYSTEM, VISUAL,
CARRIER, TEXT), ``frame_ids [B, L]`` (the frame a VISUAL/CARRIER token belongs to, -1 otherwise;
frames are contiguous and increasing) and optionally ``segment_ids [B, L]`` (which question a TEXT
token belongs to, 1, 2, ...; 0 elsewhere), so several independent questions about one video can
be packed after its frames. ``semantic_aware_allowed`` returns a bool ``[B, L, L]`` (True = query
may attend to key) with the rules of docs/design.md section 1: system tokens are causal among
themselves; every later token sees all system tokens; a visual token sees earlier tokens of its
own frame and earlier carriers; a carrier sees its whole frame and earlier carriers; text sees
system, all carriers and earlier text of its own question, never visual tokens. ``causal_allowed``
is the ordinary causal mask (stage 0), with the same question isolation. Padding is never
attended to (a padding query sees only itself, so no row is empty). ``additive_mask`` gives the
4-D float mask ``[B, 1, L, L]`` (0 / dtype min) that eager and SDPA attention both accept.
``stream_position_ids`` gives the positions streaming inference uses without eviction:
``monotonic`` numbers frames contiguously, ``compact`` starts every frame where the compacted
cache (system + earlier carriers) ends; every question starts where the frames end.
``rerotate`` queries sit where ``compact`` puts them, but streaming later moves each carrier's
key to where the compacted cache holds it (its frame's visual entries are gone):
``stream_key_shift`` gives that move per token (the carrier's own query still sees its key
unmoved), which ``train/key_shift_attention.py`` applies.
"""

from __future__ import annotations

import torch

PAD, SYSTEM, VISUAL, CARRIER, TEXT = 0, 1, 2, 3, 4


def _segments(token_types: torch.Tensor, segment_ids: torch.Tensor | None) -> torch.Tensor:
    if segment_ids is None:
        return (token_types == TEXT).long()  # one question
    return segment_ids


def _finish(allowed: torch.Tensor, token_types: torch.Tensor) -> torch.Tensor:
    length = token_types.shape[1]
    device = token_types.device
    causal = torch.ones(length, length, dtype=torch.bool, device=device).tril()
    allowed = allowed & causal & (token_types[:, None, :] != PAD)
    eye = torch.eye(length, dtype=torch.bool, device=device)
    return allowed | (eye & (token_types[:, :, None] == PAD))


def semantic_aware_allowed(
    token_types: torch.Tensor, frame_ids: torch.Tensor, segment_ids: torch.Tensor | None = None
) -> torch.Tensor:
    """Bool ``[B, L, L]``: may query i attend to key j."""
    tq, tk = token_types[:, :, None], token_types[:, None, :]  # [B, L, 1], [B, 1, L]
    fq, fk = frame_ids[:, :, None], frame_ids[:, None, :]
    segments = _segments(token_types, segment_ids)
    same_question = segments[:, :, None] == segments[:, None, :]
    key_carrier = tk == CARRIER
    query_in_frame = (tq == VISUAL) | (tq == CARRIER)
    same_frame = (fq == fk) & (fk >= 0)
    allowed = (
        (tk == SYSTEM)
        | (query_in_frame & (same_frame | (key_carrier & (fk < fq))))
        | ((tq == TEXT) & (key_carrier | ((tk == TEXT) & same_question)))
    )
    return _finish(allowed, token_types)


def causal_allowed(
    token_types: torch.Tensor, segment_ids: torch.Tensor | None = None
) -> torch.Tensor:
    """Bool ``[B, L, L]``: the ordinary causal mask, each question seeing only itself."""
    tq, tk = token_types[:, :, None], token_types[:, None, :]
    segments = _segments(token_types, segment_ids)
    same_question = segments[:, :, None] == segments[:, None, :]
    allowed = (tk != TEXT) | ((tq == TEXT) & same_question)
    return _finish(allowed, token_types)


def additive_mask(allowed: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Bool ``[B, L, L]`` -> float ``[B, 1, L, L]`` with 0 where allowed, dtype-min elsewhere."""
    mask = torch.zeros(allowed.shape, dtype=dtype, device=allowed.device)
    mask.masked_fill_(~allowed, torch.finfo(dtype).min)
    return mask[:, None]


def semantic_aware_mask(
    token_types: torch.Tensor,
    frame_ids: torch.Tensor,
    dtype: torch.dtype = torch.float32,
    segment_ids: torch.Tensor | None = None,
) -> torch.Tensor:
    """The 4-D additive semantic-aware mask ``[B, 1, L, L]``."""
    return additive_mask(semantic_aware_allowed(token_types, frame_ids, segment_ids), dtype)


def _exclusive_cumsum(flags: torch.Tensor) -> torch.Tensor:
    return flags.cumsum(1) - flags


def stream_position_ids(
    token_types: torch.Tensor,
    frame_ids: torch.Tensor,
    mode: str = "compact",
    segment_ids: torch.Tensor | None = None,
) -> torch.Tensor:
    """Position ids ``[B, L]`` that match streaming inference (no eviction)."""
    if mode not in ("compact", "monotonic", "rerotate", "sliding"):
        raise ValueError(f"unknown position mode {mode!r}")
    if mode == "sliding":
        mode = "monotonic"  # the same until a frame is evicted (training never evicts)
    if mode == "rerotate":
        mode = "compact"  # the queries; keys move by stream_key_shift
    batch = token_types.shape[0]
    is_text = (token_types == TEXT).long()
    is_visual = (token_types == VISUAL).long()
    real = (token_types != PAD).long()
    # Tokens that are in the cache when the next frame or a question starts.
    kept = real - is_text - (is_visual if mode == "compact" else 0)
    kept_before = _exclusive_cumsum(kept)
    # Offset inside the current frame's visual block (compact) or the current question.
    visual_before = _exclusive_cumsum(is_visual)
    previous = torch.cat([frame_ids.new_full((batch, 1), -2), frame_ids[:, :-1]], dim=1)
    frame_start = (frame_ids >= 0) & (frame_ids != previous)
    visual_base = torch.where(frame_start, visual_before, torch.full_like(visual_before, -1))
    visual_offset = visual_before - visual_base.cummax(dim=1).values
    segments = _segments(token_types, segment_ids)
    text_before = _exclusive_cumsum(is_text)
    previous_segment = torch.cat([segments.new_full((batch, 1), -1), segments[:, :-1]], dim=1)
    question_start = (is_text == 1) & (segments != previous_segment)
    text_base = torch.where(question_start, text_before, torch.full_like(text_before, -1))
    text_offset = text_before - text_base.cummax(dim=1).values
    offset = torch.zeros_like(kept_before)
    if mode == "compact":
        offset = torch.where(frame_ids >= 0, visual_offset, offset)
    return kept_before + torch.where(is_text == 1, text_offset, offset)


def stream_key_shift(token_types: torch.Tensor, frame_ids: torch.Tensor) -> torch.Tensor:
    """``[B, L]``: how far streaming with ``rerotate`` moves each token's key after its own
    frame step (no eviction): a carrier moves back over its frame's visual entries; nothing
    else moves (system and text keys never; visual keys are only read inside their frame)."""
    is_visual = (token_types == VISUAL).long()
    visual_before = _exclusive_cumsum(is_visual)
    batch = token_types.shape[0]
    previous = torch.cat([frame_ids.new_full((batch, 1), -2), frame_ids[:, :-1]], dim=1)
    frame_start = (frame_ids >= 0) & (frame_ids != previous)
    base = torch.where(frame_start, visual_before, torch.full_like(visual_before, -1))
    in_frame = visual_before - base.cummax(dim=1).values  # visual tokens of the frame so far
    return torch.where(token_types == CARRIER, -in_frame, torch.zeros_like(in_frame))


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
