"""Qwen2.5-VL (``Qwen2_5_VLForConditionalGeneration``) behind the adapter interface.

Contract: ``Qwen25VLModel`` streams the frames as ONE video, as the processor and chat template
lay a clip out: ``...<|vision_start|>`` ends the system text, every frame adds its N visual tokens
(no per-frame text), ``<|vision_end|>`` opens the question. Each frame is its own temporal patch
(the frame and its copy), so the equivalent offline input is a video with grid (T, gh, gw) and
``second_per_grid_ts`` = the frame interval. Positions follow ``Qwen2_5_VLModel.get_rope_index``
for that video, built from the stream's state (the video's origin and the time of its first
frame, the "anchor", kept here and reset when the system text is numbered from 0, i.e. at each
new stream):

- frame k (time ts_k): t = origin + floor(tokens_per_second * (ts_k - ts_0)) - absolute time, 2
  positions per second by default -; h = origin + row, w = origin + col (the same grid base
  for every frame);
- the carrier's position triple: (t_k, origin + (rows-1)//2, origin + (cols-1)//2) - its frame's
  time and the middle of its grid, where the mean of its tokens sits;
- text after the frames (the question) starts at the largest position so far + 1, which is
  where Qwen's own code (and transformers 4.x) starts it and where 5.23's ``generate`` continues
  decoding. 5.23's ``get_rope_index`` instead restarts the text at origin + max(gh, gw)/2 even when
  the video's time extent is longer (MODEL-FAMILIES §10); the two agree while
  tokens_per_second * duration < max(rows, cols).

Position modes. The anchor is the first frame's ``start``. While every next frame starts where
the previous one ended (``monotonic``; ``rerotate`` and any mode before a cut) the frames keep
this one-video layout, growing with time (7,200 positions per hour at 2 per second, within the
checkpoints' 128,000), not with tokens. When the engine starts a frame elsewhere (``compact``
numbers from the cache length; ``rerotate`` packs the cache after a cut), the frame re-anchors
there: t = h/w base = ``start``, so positions stay bounded and in stream order, and the time
between remembered frames is no longer in their positions. Qwen2.5-VL's window attention lives
in the vision tower; its language model must have no sliding-window layers (checked).
"""

from __future__ import annotations

import math

import torch

from . import base
from .qwen_vl import QwenVLModel


class Qwen25VLModel(QwenVLModel):
    family = "qwen2.5-vl"

    def __init__(self, model, tokenizer, **options) -> None:
        super().__init__(model, tokenizer, **options)
        self.tokens_per_second = float(self.config.vision_config.tokens_per_second)
        self.reset_stream()

    def reset_stream(self) -> None:
        """Forget the anchor (a new stream begins)."""
        self.origin: int | None = None
        self.first_time: float | None = None
        self.expected_start: int | None = None  # where the next frame continues the video

    def text_positions(self, start: int, count: int) -> torch.Tensor:
        if start == 0:  # the system text of a new stream
            self.reset_stream()
        return super().text_positions(start, count)

    def frame_positions(self, start: int, chunk: base.FrameInputs) -> torch.Tensor:
        """``[3, 1, q]`` for ``[visual | carrier]`` (see the module docstring)."""
        timestamp = float(getattr(chunk, "timestamp", 0.0))
        if self.origin is None or start != self.expected_start:
            self.origin, self.first_time = start, timestamp  # (re-)anchor the video here
        positions = qwen25_chunk_positions(self.origin, self.time_offset(timestamp), chunk)
        self.expected_start = int(positions.max()) + 1
        return positions.to(self.device)[:, None, :]

    def time_offset(self, timestamp: float) -> int:
        """floor(tokens_per_second * seconds since the first frame)."""
        elapsed = max(0.0, timestamp - (self.first_time or 0.0))
        return math.floor(self.tokens_per_second * elapsed + 1e-9)


def qwen25_chunk_positions(origin: int, offset: int, chunk: base.FrameInputs) -> torch.Tensor:
    """``[3, q]`` positions of a Qwen2.5-VL frame chunk at time offset ``offset``."""
    if chunk.before or chunk.after:
        raise ValueError("Qwen2.5-VL frames have no scaffold text")
    rows, cols = getattr(chunk, "grid", None) or (1, max(1, chunk.visual))
    t = origin + offset
    pieces = []
    if chunk.visual:
        h = torch.arange(rows).repeat_interleave(cols) + origin
        w = torch.arange(cols).repeat(rows) + origin
        pieces.append(torch.stack([torch.full_like(h, t), h, w]))
    if chunk.carrier:
        pieces.append(torch.tensor([[t], [origin + (rows - 1) // 2], [origin + (cols - 1) // 2]]))
    return torch.cat(pieces, dim=1).long()
