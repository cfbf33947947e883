"""Qwen2.5-VL (``Qwen2_5_VLForConditionalGeneration``) behind the adapter interface.

Contract: ``Qwen25VLModel`` streams the frames as ONE video, as the processor and chat template
lay a clip out: ``...<|vision_start|>`` ends the system text, every frame adds its N visual tokens
(no per-frame text), ``<|vision_end|>`` opens the question. Each frame is its own temporal patch
(the frame and its copy), so the equivalent offline input is a video with grid (T, gh, gw) and
``second_per_grid_ts`` = the frame interval. Positions follow ``Qwen2_5_VLModel.get_rope_index``
for that video, built from the stream's ``VideoAnchor`` (the video's origin, the time of its first
frame, where it continues; one per stream from ``new_stream()``, owned by the engine or the
training replay, so streams sharing one model never see each other's anchor):

- frame k (time ts_k): t = origin + floor(tokens_per_second * (ts_k - ts_0)) - absolute time, 2
  positions per second by default -; h = origin + row, w = origin + col (the same grid base
  for every frame);
- the carrier's position triple: (t_k, origin + (rows-1)//2, origin + (cols-1)//2) - its frame's
  time and the middle of its grid, where the mean of its tokens sits;
- text after the frames (the question) starts at the largest position so far + 1, which is
  where Qwen's own code (and transformers 4.x) starts it and where 5.23's ``generate`` continues
  decoding. 5.23's ``get_rope_index`` instead restarts the text at origin + max(gh, gw)/2 even when
  the video's time extent is longer; the two agree while tokens_per_second * duration <
  max(rows, cols).

Position modes. The anchor is the first frame's ``start``. While every next frame starts where
the previous one ended (``monotonic``, ``sliding``; ``rerotate`` before a cut) the frames keep
this one-video layout, growing with time (7,200 positions per hour at 2 per second, within the
checkpoints' 128,000), not with tokens. Under ``sliding`` a frame that leaves the memory closes
its time step (the t positions it added after the frame before it) on the t row only: later
frames come that much earlier, the grid stays shared, and positions stay within the grid plus the
steps of the frames in memory. When the engine starts a frame elsewhere (``compact`` numbers from
the cache length; ``rerotate`` packs the cache after a cut), the frame re-anchors there: t = h/w
base = ``start``, so positions stay bounded and in stream order, and the time between remembered
frames is no longer in their positions. Qwen2.5-VL's window attention lives in the vision tower;
its language model must have no sliding-window layers (checked).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from . import base
from .qwen_vl import QwenVLModel


@dataclass
class VideoAnchor(base.StreamLayout):
    """One stream's video: its grid base ``origin``, the time of its first frame, where the next
    frame continues it, the t of the newest frame and the t positions evicted frames closed."""

    origin: int | None = None
    first_time: float = 0.0
    expected_start: int | None = None
    top: int = 0  # largest h / w position of the video's grid
    last_t: int | None = None
    closed_t: int = 0  # t positions closed by frames that left the memory (sliding)
    last_gap: int = 0  # t positions the newest frame added after the one before it

    def gap(self, start: int, positions: torch.Tensor) -> list[int]:
        """Evicting a frame closes its time step on the t row only: the grid stays shared."""
        return [self.last_gap, 0, 0]

    def closed(self, gap: list[int], next_free: int) -> int:
        self.closed_t += gap[0]
        if self.last_t is None:
            return next_free
        self.last_t -= gap[0]
        self.expected_start = max(self.last_t, self.top) + 1
        return self.expected_start


class Qwen25VLModel(QwenVLModel):
    family = "qwen2.5-vl"

    def __init__(self, model, tokenizer, **options) -> None:
        super().__init__(model, tokenizer, **options)
        self.tokens_per_second = float(self.config.vision_config.tokens_per_second)

    def new_stream(self) -> VideoAnchor:
        return VideoAnchor()

    def frame_positions(
        self, start: int, chunk: base.FrameInputs, stream: base.StreamLayout | None = None
    ) -> torch.Tensor:
        """``[3, 1, q]`` for ``[visual | carrier]`` (see the module docstring); without a
        ``stream`` the frame is a video of its own."""
        anchor = stream if isinstance(stream, VideoAnchor) else VideoAnchor()
        timestamp = float(getattr(chunk, "timestamp", 0.0))
        if anchor.origin is None or start != anchor.expected_start:
            anchor.origin, anchor.first_time = start, timestamp  # (re-)anchor the video here
            anchor.last_t, anchor.closed_t = None, 0
        t = anchor.origin + self.time_offset(anchor, timestamp) - anchor.closed_t
        positions = qwen25_chunk_positions(anchor.origin, t - anchor.origin, chunk)
        rows, cols = getattr(chunk, "grid", None) or (1, max(1, chunk.visual))
        anchor.top = anchor.origin + max(rows, cols) - 1
        anchor.last_gap = 0 if anchor.last_t is None else t - anchor.last_t
        anchor.last_t = t
        anchor.expected_start = int(positions.max()) + 1
        return positions.to(self.device)[:, None, :]

    def time_offset(self, anchor: VideoAnchor, timestamp: float) -> int:
        """floor(tokens_per_second * seconds since the video's first frame)."""
        elapsed = max(0.0, timestamp - anchor.first_time)
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
