"""Qwen3-VL (``Qwen3VLForConditionalGeneration``) behind the adapter interface.

Contract: ``Qwen3VLModel`` lays each frame out as 5.23's processor lays out one temporal patch:
``<{t:.1f} seconds><|vision_start|>`` + N visual tokens + ``<|vision_end|>`` (the template's outer
``<|vision_start|>`` ends the system text, its ``<|vision_end|>`` opens the question); the
``<{t:.1f} seconds>`` tokens stay in memory with the frame's carrier. Positions
of a chunk starting at ``start``, as ``Qwen3VLModel.get_rope_index`` numbers that sequence: the
scaffold text counts on from ``start``; the visual block at ``cur`` (the next position) has
t = cur on every token, h = cur + row, w = cur + col; the text after it resumes at
cur + max(rows, cols). Time lives in the timestamp text, so every chunk is placed relative to
``start`` alone and ``compact``, ``monotonic`` and ``rerotate`` all apply unchanged.

The carrier's position triple: (c, c, c) with c the first position after the frame's
``<|vision_end|>`` - a text-like token right after the frame, as the next frame's timestamp
would be. DeepStack: the decoder adds ``deepstack[i]`` to the hidden states of the visual tokens
after its layer i (``Qwen3VLTextModel._deepstack_process``); each chunk passes its own
``visual_pos_masks`` ``[1, q]`` and ``deepstack_visual_embeds`` (list of ``[n, D]``), and the
carrier receives the mean of its frame's DeepStack features at each of those layers (as its
input embedding is the mean of the frame's tokens). Text chunks inject nothing. The "carrier
without its frame" ablation (``carrier_kv=False``) gets no DeepStack features.
"""

from __future__ import annotations

import torch

from . import base
from .prompt import FrameText
from .qwen_vl import VISION_END, VISION_START, QwenFrameInputs, QwenVLModel


class Qwen3VLModel(QwenVLModel):
    family = "qwen3-vl"

    def frame_text(self, timestamp: float) -> FrameText:
        time = f"<{timestamp:.1f} seconds>"
        return FrameText(time + VISION_START, VISION_END, time)

    def frame_positions(
        self, start: int, chunk: base.FrameInputs, stream: base.StreamLayout | None = None
    ) -> torch.Tensor:
        """``[3, 1, q]`` for ``[before | visual | after | carrier]`` starting at ``start``."""
        return qwen3_chunk_positions(start, chunk).to(self.device)[:, None, :]

    def chunk_decoder_kwargs(self, chunk: QwenFrameInputs) -> dict:
        features = chunk.extras.get("deepstack")  # [1, L_ds, N, D]
        if features is None or chunk.visual == 0:
            return {}
        per_layer = features[0].to(chunk.inputs.dtype)  # [L_ds, N, D]
        if chunk.carrier:
            mean = per_layer.mean(dim=1, keepdim=True)  # [L_ds, 1, D]
            per_layer = torch.cat([per_layer, mean], dim=1)
        mask = torch.zeros(1, chunk.length, dtype=torch.bool, device=chunk.inputs.device)
        mask[0, chunk.before : chunk.before + chunk.visual] = True
        if chunk.carrier:
            mask[0, -1] = True
        return {
            "visual_pos_masks": mask,
            "deepstack_visual_embeds": list(per_layer.unbind(0)),
        }


def qwen3_chunk_positions(start: int, chunk: base.FrameInputs) -> torch.Tensor:
    """``[3, q]`` positions of a Qwen3-VL frame chunk (see the module docstring)."""
    pieces = []
    cur = start
    if chunk.visual:
        grid = getattr(chunk, "grid", None)
        rows, cols = grid if grid else (1, chunk.visual)
        before = torch.arange(cur, cur + chunk.before)
        pieces.append(before.expand(3, -1))
        cur += chunk.before
        h = torch.arange(rows).repeat_interleave(cols) + cur
        w = torch.arange(cols).repeat(rows) + cur
        pieces.append(torch.stack([torch.full_like(h, cur), h, w]))
        cur += max(rows, cols)
        pieces.append(torch.arange(cur, cur + chunk.after).expand(3, -1))
        cur += chunk.after
    if chunk.carrier:
        pieces.append(torch.full((3, 1), cur))
    return torch.cat(pieces, dim=1).long()
