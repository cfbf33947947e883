"""Adapter from a transformers LLaVA-OneVision model to what the streaming engine needs.

Contract: ``LlavaOnevisionModel`` (a ``base.VisionLanguageModel``) wraps a
``LlavaOnevisionForConditionalGeneration`` and its tokenizer.
``encode(pixels [F, 3, S, S]).tokens -> [F, N, D]`` runs vision tower -> feature layer
-> projector -> 2x2 bilinear pooling (transformers' ``apply_pooling``), then, for LLaVA-Video
checkpoints (``newline="grid"``), appends ``image_newline`` after each pooled row (N = p * (p+1),
210 at 384 px). ``decoder`` is the Qwen2 base model and ``lm_head`` its head. Everything runs on
``device`` in ``dtype``; nothing here knows about carriers or caches.
"""

from __future__ import annotations

import math
from typing import Literal

import torch

from . import base
from .preprocess import FramePreprocessor
from .prompt import CHATML, PromptFormat

NewlineMode = Literal["none", "grid", "frame"]


class LlavaOnevisionModel(base.VisionLanguageModel):
    """LLaVA-OneVision and LLaVA-Video (``newline="grid"``) behind the adapter interface."""

    def __init__(
        self,
        model,
        tokenizer,
        *,
        preprocessor: FramePreprocessor | None = None,
        newline: NewlineMode = "none",
        prompt: PromptFormat = CHATML,
        source: str = "",
        time_instruction: bool = True,
    ) -> None:
        self.newline: NewlineMode = newline
        self.family = "llava-video" if newline == "grid" else "llava-onevision"
        super().__init__(
            model,
            tokenizer,
            preprocessor=preprocessor,
            prompt=prompt,
            source=source,
            time_instruction=time_instruction,
        )
        vision = self.config.vision_config
        self.grid = self.image_size // int(vision.patch_size)
        self.pooled = math.ceil(self.grid / 2)

    @property
    def decoder(self):
        """The language model without its head (a ``Qwen2Model``)."""
        return self.model.model.language_model

    @property
    def tokens_per_frame(self) -> int:
        rows = self.pooled
        if self.newline == "grid":
            return rows * (rows + 1)
        if self.newline == "frame":
            return rows * rows + 1
        return rows * rows

    def vision_layers(self) -> list[torch.nn.Module]:
        tower = self.model.model.vision_tower
        encoder = getattr(tower, "encoder", None)
        if encoder is None:
            encoder = tower.vision_model.encoder
        return list(encoder.layers)

    def encode(self, pixels: torch.Tensor) -> base.VisualTokens:
        """[F, 3, S, S] pixels -> [F, N, D] visual tokens."""
        return base.VisualTokens(encode_visual_tokens(self.model, pixels, self.newline))

    masked_training = True  # no scaffold, 1-D positions: train/model.py's masked sequence

    def training_parts(self) -> tuple[torch.nn.Module, list[torch.nn.Module]]:
        return self.model.model.vision_tower, [self.model.model.multi_modal_projector]


# The adapter's name before the family interface existed.
VisionLanguageModel = LlavaOnevisionModel


def encode_visual_tokens(
    model, pixels: torch.Tensor, newline: NewlineMode = "none"
) -> torch.Tensor:
    """[F, 3, S, S] pixels -> [F, N, D]: vision tower -> feature layer -> projector -> 2x2 bilinear
    pooling, plus LLaVA-Video's per-row newline when ``newline="grid"``. Differentiable (used by
    training too)."""
    config = model.config
    inner = model.model
    out = inner.vision_tower(pixel_values=pixels, output_hidden_states=True)
    layer = config.vision_feature_layer
    if isinstance(layer, int):
        features = out.hidden_states[layer]  # [F, g*g(+1), C]
    else:
        features = torch.cat([out.hidden_states[i] for i in layer], dim=-1)
    if config.vision_feature_select_strategy == "default":
        features = features[:, 1:]
    features = inner.multi_modal_projector(features)  # [F, g*g, D]
    features = inner.apply_pooling(features)  # [F, p*p, D]
    if newline == "none":
        return features
    frames, count, dim = features.shape
    image_newline = inner.image_newline.to(features.dtype)
    if newline == "frame":
        return torch.cat([features, image_newline.expand(frames, 1, dim)], dim=1)
    side = math.isqrt(count)
    rows = features.view(frames, side, side, dim)
    rows = torch.cat([rows, image_newline.expand(frames, side, 1, dim)], dim=2)
    return rows.reshape(frames, side * (side + 1), dim)  # [F, p*(p+1), D]
