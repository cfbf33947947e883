"""Adapter from a transformers LLaVA-OneVision model to what the streaming engine needs.

Contract: ``VisionLanguageModel`` wraps a ``LlavaOnevisionForConditionalGeneration`` and its
tokenizer. ``encode_frames(pixels [F, 3, S, S]) -> [F, N, D]`` runs vision tower -> feature layer
-> projector -> 2x2 bilinear pooling (transformers' ``apply_pooling``), then, for LLaVA-Video
checkpoints (``newline="grid"``), appends ``image_newline`` after each pooled row (N = p * (p+1),
210 at 384 px). ``decoder`` is the Qwen2 base model and ``lm_head`` its head. Everything runs on
``device`` in ``dtype``; nothing here knows about carriers or caches.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import numpy as np
import torch

from ..errors import StepAborted
from .preprocess import FramePreprocessor
from .prompt import CHATML, PromptFormat

NewlineMode = Literal["none", "grid", "frame"]


class VisionLanguageModel:
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
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.prompt = prompt
        self.source = source
        self.newline: NewlineMode = newline
        # False for models trained without LLaVA-Video's time instruction (videoscan.json)
        self.time_instruction = time_instruction
        config = model.config
        self.config = config
        vision = config.vision_config
        self.image_size = int(vision.image_size)
        self.grid = self.image_size // int(vision.patch_size)
        self.pooled = math.ceil(self.grid / 2)
        self.preprocessor = preprocessor or FramePreprocessor(self.image_size)
        text = config.text_config
        self.num_layers = int(text.num_hidden_layers)
        self.hidden_size = int(text.hidden_size)
        self.num_kv_heads = int(text.num_key_value_heads)
        head_dim = getattr(text, "head_dim", None)
        self.head_dim = int(head_dim or text.hidden_size // text.num_attention_heads)
        self.eos_token_ids = self._stop_token_ids()
        self._abort_event: threading.Event | None = None  # the running caller's flag
        self._install_abort_hooks()

    # -- structure -------------------------------------------------------------------------
    @property
    def device(self) -> torch.device:
        return self.model.lm_head.weight.device

    @property
    def dtype(self) -> torch.dtype:
        return self.model.lm_head.weight.dtype

    @property
    def decoder(self):
        """The language model without its head (a ``Qwen2Model``)."""
        return self.model.model.language_model

    @property
    def lm_head(self) -> torch.nn.Module:
        return self.model.lm_head

    @property
    def tokens_per_frame(self) -> int:
        rows = self.pooled
        if self.newline == "grid":
            return rows * (rows + 1)
        if self.newline == "frame":
            return rows * rows + 1
        return rows * rows

    def kv_bytes_per_entry(self) -> int:
        """Bytes one cache entry (one token) takes over all layers, keys and values."""
        element = torch.empty((), dtype=self.dtype).element_size()
        return 2 * self.num_layers * self.num_kv_heads * self.head_dim * element

    def attention_modules(self) -> list[torch.nn.Module]:
        return [layer.self_attn for layer in self.decoder.layers]

    def _stop_token_ids(self) -> frozenset[int]:
        ids: set[int] = set()
        vocab = self.tokenizer.get_vocab()
        for token in self.prompt.stop_tokens:
            if token in vocab:
                ids.add(vocab[token])
        if self.tokenizer.eos_token_id is not None:
            ids.add(int(self.tokenizer.eos_token_id))
        generation = getattr(self.model, "generation_config", None)
        eos = getattr(generation, "eos_token_id", None)
        if eos is not None:
            ids.update([eos] if isinstance(eos, int) else eos)
        return frozenset(ids)

    # -- interruption ----------------------------------------------------------------------
    def _install_abort_hooks(self) -> None:
        """Check the running caller's abort flag before every decoder and vision layer, so a
        long step on a big model stops within one layer's time (e.g. when the app closes)."""

        def check(module, args) -> None:
            event = self._abort_event
            if event is not None and event.is_set():
                raise StepAborted("the model step was aborted")

        vision_layers = getattr(self.model.model.vision_tower, "encoder", None)
        if vision_layers is None:
            vision_layers = self.model.model.vision_tower.vision_model.encoder
        for layer in [*self.decoder.layers, *vision_layers.layers]:
            layer.register_forward_pre_hook(check)

    @contextmanager
    def abort_scope(self, event: threading.Event) -> Iterator[None]:
        """Forwards inside this block raise ``StepAborted`` as soon as ``event`` is set."""
        if event.is_set():
            raise StepAborted("the model step was aborted")
        previous, self._abort_event = self._abort_event, event
        try:
            yield
        finally:
            self._abort_event = previous

    # -- text ------------------------------------------------------------------------------
    def tokenize(self, text: str) -> torch.Tensor:
        """Token ids ``[1, L]`` on the model's device (special tokens in the text are parsed)."""
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        return torch.tensor([ids], dtype=torch.long, device=self.device)

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        """[B, L] ids -> [B, L, D] input embeddings."""
        return self.model.get_input_embeddings()(ids)

    def decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True)

    # -- vision ----------------------------------------------------------------------------
    def preprocess(self, frames: list[np.ndarray]) -> torch.Tensor:
        """RGB uint8 frames -> pixel tensor [F, 3, S, S] on device, in dtype."""
        pixels = np.stack([self.preprocessor(frame) for frame in frames])
        return torch.from_numpy(pixels).to(device=self.device, dtype=self.dtype)

    def encode_frames(self, pixels: torch.Tensor) -> torch.Tensor:
        """[F, 3, S, S] pixels -> [F, N, D] visual tokens."""
        return encode_visual_tokens(self.model, pixels, self.newline)

    def constant_carrier(self) -> torch.Tensor:
        """A fixed carrier input (the mean token embedding), for the "without carrier
        embedding" ablation."""
        return self.model.get_input_embeddings().weight.mean(dim=0)  # [D]


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
