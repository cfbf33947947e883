"""What Qwen2.5-VL and Qwen3-VL share behind the adapter interface: frames, vision, M-RoPE.

Contract: ``QwenVLModel`` (abstract; ``qwen2_5_vl.Qwen25VLModel`` and ``qwen3_vl.Qwen3VLModel``
fill in the layout) is a ``base.VisionLanguageModel`` with ``position_rows = 3``:

- ``preprocess(frames) -> QwenPixels``: each frame through ``QwenFrameProcessor`` (its own budget,
  one temporal patch of the frame and its copy), rows concatenated in frame order, one
  ``grid_thw = (1, gh, gw)`` per frame; ``encode`` runs ``model.model.visual`` over them (vision
  attention never crosses temporal patches, so a batch equals frame-by-frame) and returns
  ``VisualTokens`` ``[B, N, D]`` with N = gh*gw/4 and extras ``grid`` ``[B, 2]`` (the merged grid,
  rows x cols) plus, for Qwen3-VL, ``deepstack`` ``[B, L_ds, N, D]``. Frames of one batch must
  share their size (a stream's frames do).
- Positions are ``[3, 1, q]`` (t, h, w) long tensors; text tokens have t = h = w. Visual tokens
  sit on the merged grid: ``h = base + row``, ``w = base + col``; what ``t`` and ``base`` are is
  the family's layout (see the subclasses). The decoder receives them as its ``position_ids``
  (3 rows, so transformers never falls back to its 1-D guess with a non-empty cache).
- ``rotary()`` names the position row that drives each frequency slot, read from the decoder's
  own ``recomposition_frequencies`` (Qwen2.5-VL: contiguous sections; Qwen3-VL: interleaved).
- A language model with sliding-window layers is refused (the slot cache cuts entries; a
  sliding-window layer's counter would go wrong).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..errors import ModelLoadError
from . import base
from .prompt import FrameText, PromptFormat
from .qwen_preprocess import QwenFrameProcessor

VISION_START = "<|vision_start|>"
VISION_END = "<|vision_end|>"
IM_END = "<|im_end|>"
REFERENCE_FRAME = 448  # px: 256 tokens for Qwen2.5-VL (28 px units), 196 for Qwen3-VL (32 px)

# The chat templates' one user turn holding a video: the video opens in the system part and
# closes in the question part (5.23 keeps this outer pair for Qwen3-VL too, docs/model-families.md).
QWEN_PROMPT = PromptFormat(
    system_template="<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n" + VISION_START,
    question_template=VISION_END + "{body}<|im_end|>\n<|im_start|>assistant\n",
    stop_tokens=(IM_END, "<|endoftext|>"),
)


@dataclass(frozen=True)
class QwenPixels:
    """Patch rows of B frames: ``rows [sum gh*gw, C*2*P*P]`` and one grid per frame."""

    rows: torch.Tensor
    grids: tuple[tuple[int, int, int], ...]

    def __len__(self) -> int:
        return len(self.grids)


@dataclass
class QwenFrameInputs(base.FrameInputs):
    """A frame chunk plus what its positions need: time and merged grid (rows, cols)."""

    timestamp: float = 0.0
    grid: tuple[int, int] = (0, 0)
    extras: dict = field(default_factory=dict)


class QwenVLModel(base.VisionLanguageModel):
    position_rows = 3

    def __init__(
        self, model, tokenizer, *, frames: QwenFrameProcessor,
        look: QwenFrameProcessor | None = None, **options,
    ) -> None:  # fmt: skip
        from .closer_look import image_budget

        options.setdefault("prompt", QWEN_PROMPT)
        options.setdefault("time_instruction", False)  # time is in positions / frame text
        self.frames = frames
        self.look_frames = look or image_budget(frames)  # the image path of a closer look
        self._grid: tuple[int, int] | None = None  # merged grid of the last frame seen
        super().__init__(model, tokenizer, **options)
        self.merge = int(self.config.vision_config.spatial_merge_size)
        check_no_sliding_window(self.text_config, self.source or "this model")

    # -- structure -----------------------------------------------------------------------------
    def _image_size(self) -> int:
        """A reference square frame where one size is needed (benchmarks, the first capacity
        estimate); real frames keep their own size within the pixel budget (``self.frames``)."""
        return REFERENCE_FRAME

    @property
    def decoder(self):
        return self.model.model.language_model

    def vision_layers(self) -> list[torch.nn.Module]:
        return list(self.model.model.visual.blocks)

    # the vision blocks' linear layers (Qwen2.5-VL: gated MLP; Qwen3-VL: linear_fc1/2), not
    # the mergers' (they always train)
    vision_lora_targets = (
        "attn.qkv", "attn.proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj",
        "mlp.linear_fc1", "mlp.linear_fc2",
    )  # fmt: skip
    vision_attention_lora_targets = ("attn.qkv",)  # q, k and v in one projection

    def training_parts(self) -> tuple[torch.nn.Module, list[torch.nn.Module]]:
        visual = self.model.model.visual
        projectors = [visual.merger, *getattr(visual, "deepstack_merger_list", [])]
        return visual, projectors

    @property
    def tokens_per_frame(self) -> int:
        """N of the last frame encoded (the reference frame's before the first)."""
        rows, cols = self._grid or self._grid_for(REFERENCE_FRAME, REFERENCE_FRAME)
        return rows * cols

    def _grid_for(self, height: int, width: int) -> tuple[int, int]:
        h, w = self.frames.target_size(height, width)
        step = self.frames.patch_size * self.frames.merge_size
        return h // step, w // step

    # -- vision --------------------------------------------------------------------------------
    def preprocess(self, frames: list[np.ndarray]) -> QwenPixels:
        processed = [self.frames(frame) for frame in frames]
        rows = np.concatenate([item.pixels for item in processed])
        tensor = torch.from_numpy(rows).to(device=self.device, dtype=self.dtype)
        return QwenPixels(tensor, tuple(item.grid_thw for item in processed))

    def encode(self, pixels: QwenPixels) -> base.VisualTokens:
        if len(set(pixels.grids)) > 1:
            raise ValueError("frames encoded together must have the same size")
        grid_thw = torch.tensor(pixels.grids, dtype=torch.long, device=self.device)
        out = self.model.model.visual(pixels.rows.to(self.model.model.visual.dtype), grid_thw)
        _, gh, gw = pixels.grids[0]
        rows, cols = gh // self.merge, gw // self.merge
        frames = len(pixels)
        tokens = out.pooler_output.view(frames, rows * cols, -1)  # [B, N, D]
        self._grid = (rows, cols)
        grid = torch.tensor([[rows, cols]] * frames, dtype=torch.long, device=tokens.device)
        extras = {"grid": grid}
        deepstack = getattr(out, "deepstack_features", None)
        if deepstack:
            stacked = torch.stack([f.view(frames, rows * cols, -1) for f in deepstack], dim=1)
            extras["deepstack"] = stacked  # [B, L_ds, N, D]
        return base.VisualTokens(tokens, extras)

    # -- one frame chunk -----------------------------------------------------------------------
    def frame_text(self, timestamp: float) -> FrameText:
        return FrameText()

    def frame_inputs(
        self, visual: base.VisualTokens | None, timestamp: float, carrier: torch.Tensor | None
    ) -> QwenFrameInputs:
        plain = super().frame_inputs(visual, timestamp, carrier)
        grid = self._grid or self._grid_for(REFERENCE_FRAME, REFERENCE_FRAME)
        extras = dict(visual.extras) if visual is not None else {}
        if "grid" in extras:
            rows, cols = (int(v) for v in extras["grid"][0].tolist())  # [B, 2]: merged grid
            grid = (rows, cols)
        chunk = QwenFrameInputs(
            plain.inputs,
            plain.before,
            plain.visual,
            plain.after,
            plain.carrier,
            dict(plain.decoder_kwargs),
            plain.time,
            timestamp=timestamp,
            grid=grid,
            extras=extras,
        )
        chunk.decoder_kwargs.update(self.chunk_decoder_kwargs(chunk))
        return chunk

    def closer_look(self, frame) -> QwenFrameInputs:
        """``<|vision_end|><|vision_start|>`` + the frame through the image path capped at
        2,048 tokens (``look_frames``; ``closer_look.py``), with Qwen3-VL's DeepStack."""
        item = self.look_frames(frame)
        rows = torch.from_numpy(item.pixels).to(device=self.device, dtype=self.dtype)
        stream_grid = self._grid  # the look must not change the stream's tokens per frame
        try:
            visual = self.encode(QwenPixels(rows, (item.grid_thw,)))
        finally:
            self._grid = stream_grid
        head = self.embed(self.tokenize(VISION_END + VISION_START))  # [1, 2, D]
        tokens = visual.tokens.to(head.dtype)  # [1, N, D]
        grid_rows, grid_cols = (int(v) for v in visual.extras["grid"][0].tolist())  # [1, 2]
        chunk = QwenFrameInputs(
            torch.cat([head, tokens], dim=1), head.shape[1], tokens.shape[1], 0, False,
            grid=(grid_rows, grid_cols), extras=dict(visual.extras),
        )  # fmt: skip
        chunk.decoder_kwargs.update(self.chunk_decoder_kwargs(chunk))
        return chunk

    def look_positions(self, start: int, chunk: base.FrameInputs) -> torch.Tensor:
        """An image as ``get_rope_index`` places one: text, then t = start of the grid, h/w on
        the grid, text after it from start + max(rows, cols)."""
        assert isinstance(chunk, QwenFrameInputs)  # made by closer_look
        rows, cols = chunk.grid
        h = torch.arange(rows).repeat_interleave(cols) + start + chunk.before
        w = torch.arange(cols).repeat(rows) + start + chunk.before
        text = torch.arange(start, start + chunk.before).expand(3, -1)
        grid = torch.stack([torch.full_like(h, start + chunk.before), h, w])
        return torch.cat([text, grid], dim=1).to(self.device)[:, None, :]

    def chunk_decoder_kwargs(self, chunk: QwenFrameInputs) -> dict:
        """Extra decoder arguments of a frame chunk (Qwen3-VL: DeepStack)."""
        return {}

    # -- RoPE ----------------------------------------------------------------------------------
    def rotary(self) -> base.RotaryInfo:
        rotary = self.decoder.rotary_emb
        inv_freq = rotary.inv_freq.detach().float().clone()
        return base.RotaryInfo(
            inv_freq, float(rotary.attention_scaling), row_of_frequency(rotary, inv_freq.numel())
        )


def row_of_frequency(rotary, slots: int) -> torch.Tensor:
    """Which position row (0 t, 1 h, 2 w) drives each frequency slot, asked of the decoder's own
    ``recomposition_frequencies`` with row r's frequencies all equal to r."""
    tagged = torch.arange(3, dtype=torch.float32).view(3, 1, 1, 1).expand(3, 1, 1, slots)
    recomposed = rotary.recomposition_frequencies(tagged.clone())  # [1, 1, 2*slots]
    return recomposed.reshape(-1)[:slots].round().long()


def check_no_sliding_window(text_config, name: str) -> None:
    """Refuse a language model whose layers include sliding-window attention."""
    layer_types = list(getattr(text_config, "layer_types", None) or [])
    sliding = [i for i, kind in enumerate(layer_types) if kind == "sliding_attention"]
    if sliding:
        raise ModelLoadError(
            f"{name}: its language model uses sliding-window attention in layers "
            f"{', '.join(map(str, sliding[:4]))}{'...' if len(sliding) > 4 else ''}, which "
            "VideoScan's cache cannot hold; set use_sliding_window to false in config.json "
            "(as Qwen ships it)"
        )
