"""Training attention for ``rerotate`` positions: keys read at a different position than their
own query's.

Contract: streaming with ``position_mode="rerotate"`` re-rotates a carrier's key after its frame
step, so every later token reads it at the compacted position, while the carrier itself (within
its own step) read it unmoved. One training forward reproduces that with ``key_shift_scope(model,
key_shift)``: inside it, the language model's attention rotates every key by ``key_shift [B, L]``
(one more RoPE rotation, see ``stream/positions.py``) for all queries except the token's own
query (the diagonal keeps the unmoved key). Attention is computed eagerly (scores ``[B, H, L,
L]``) with the additive 4-D mask the model is given. Works for Llama/Qwen2-style attention
(``rotate_half`` RoPE, ``num_key_value_groups``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from transformers import AttentionInterface

from ..stream.positions import rotate

NAME = "videoscan_key_shift"


def key_shift_attention(
    module,
    query: torch.Tensor,  # [B, H, L, hd], rotated at the query positions
    key: torch.Tensor,  # [B, H_kv, L, hd], rotated at the same positions
    value: torch.Tensor,  # [B, H_kv, L, hd]
    attention_mask: torch.Tensor | None,  # [B, 1, L, L] additive
    scaling: float,
    dropout: float = 0.0,
    key_shift: torch.Tensor | None = None,  # [B, L]
    rotary_inv_freq: torch.Tensor | None = None,  # [hd / 2]
    **kwargs,
) -> tuple[torch.Tensor, None]:
    if key_shift is None or rotary_inv_freq is None:
        raise ValueError("key_shift_attention needs key_shift and rotary_inv_freq")
    angles = key_shift[:, None, :, None].float() * rotary_inv_freq.float()  # [B, 1, L, F]
    moved = rotate(key, angles)
    groups = query.shape[1] // key.shape[1]
    moved = moved.repeat_interleave(groups, dim=1)  # [B, H, L, hd]
    own = key.repeat_interleave(groups, dim=1)
    value = value.repeat_interleave(groups, dim=1)
    scores = torch.matmul(query, moved.transpose(2, 3)) * scaling  # [B, H, L, L]
    diagonal = (query * own).sum(-1) * scaling  # [B, H, L]: each token's own key, unmoved
    eye = torch.eye(scores.shape[-1], dtype=torch.bool, device=scores.device)
    scores = torch.where(eye, diagonal[..., None], scores)
    if attention_mask is not None:
        scores = scores + attention_mask
    weights = scores.float().softmax(dim=-1).to(query.dtype)
    weights = torch.nn.functional.dropout(weights, p=dropout, training=module.training)
    output = torch.matmul(weights, value).transpose(1, 2).contiguous()  # [B, L, H, hd]
    return output, None


AttentionInterface.register(NAME, key_shift_attention)


@contextmanager
def key_shift_scope(language_model, key_shift: torch.Tensor) -> Iterator[dict]:
    """Inside: ``language_model`` uses key-shifted attention; yields the kwargs to pass to its
    forward (``key_shift`` and the RoPE frequencies)."""
    config = language_model.config
    previous = config._attn_implementation
    config._attn_implementation = NAME
    try:
        yield {"key_shift": key_shift, "rotary_inv_freq": language_model.rotary_emb.inv_freq}
    finally:
        config._attn_implementation = previous
