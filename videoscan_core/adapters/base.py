"""The one interface every model family implements for the streaming engine.

Contract: a ``VisionLanguageModel`` wraps one loaded transformers model and its tokenizer and
answers, without knowing about carriers or caches:

- frames: ``preprocess(frames) -> pixels`` and ``encode(pixels) -> VisualTokens`` (tokens
  ``[B, N, D]`` plus optional per-frame ``extras`` such as DeepStack features);
- text: ``tokenize``, ``embed``, ``decode``, ``eos_token_ids`` and ``prompt`` (system turn and
  question turn), plus ``frame_text(t)``: the scaffold text right before and right after one
  frame's visual tokens (empty for LLaVA; SmolVLM2's "\\nFrame from 00:05:<fake..><global-img>" and
  "<fake..>"). Scaffold entries belong to the frame's block and are cut with its visual entries,
  except the leading ``time`` entries (the tokens of ``frame_text(t).time``), which stay in the
  cache as long as the frame's carrier does;
- ``frame_inputs(visual, t, carrier) -> FrameInputs``: the decoder input of one frame chunk,
  ``[before | visual | after | carrier]`` and any extra decoder kwargs for that chunk;
- positions, always a ``[R, 1, q]`` long tensor (R = ``position_rows``: 1 for 1-D RoPE, 3 for
  M-RoPE): ``text_positions(start, q)``, ``frame_positions(start, chunk, stream)``; the next free
  position after a chunk is ``next_position(positions)`` (max + 1). ``stream`` is the caller's
  ``new_stream()`` (one per stream: an engine, a training sample): what a family's layout keeps
  between frames of one stream, and what a frame evicted under ``sliding`` closes
  (``StreamLayout``). ``decode_step`` turns the grid into the decoder's own ``position_ids``
  layout and runs the decoder over a cache;
- ``rotary()`` (inverse frequencies, attention scaling, which position row drives each frequency)
  for re-rotating cached keys, and ``max_position_embeddings``.

The engine only talks to this interface; it never asks which family it has.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ..config import cache_tensors
from ..errors import StepAborted
from .preprocess import FramePreprocessor
from .prompt import CHATML, FrameText, PromptFormat


@dataclass(frozen=True)
class VisualTokens:
    """Visual tokens of B frames: ``tokens [B, N, D]``; ``extras`` hold per-frame tensors with
    leading dimension B that the family needs again in ``frame_inputs`` (e.g. DeepStack)."""

    tokens: torch.Tensor  # [B, N, D]
    extras: Mapping[str, torch.Tensor] = field(default_factory=dict)

    def __getitem__(self, index: int) -> VisualTokens:
        """Frame ``index`` alone, batch dimension kept: ``[1, N, D]``."""
        pick = slice(index, index + 1)
        return VisualTokens(self.tokens[pick], {k: v[pick] for k, v in self.extras.items()})

    def __len__(self) -> int:
        return self.tokens.shape[0]

    def to(self, device, dtype) -> VisualTokens:
        return VisualTokens(
            self.tokens.to(device, dtype),
            {k: v.to(device, dtype) if v.is_floating_point() else v.to(device)
             for k, v in self.extras.items()},
        )

    @classmethod
    def of(cls, visual: torch.Tensor | VisualTokens) -> VisualTokens:
        """Accept a plain tensor ``[N, D]`` / ``[B, N, D]`` too."""
        if isinstance(visual, VisualTokens):
            return visual
        return cls(visual.unsqueeze(0) if visual.dim() == 2 else visual)


@dataclass
class FrameInputs:
    """One frame chunk for the decoder: ``inputs [1, q, D]`` laid out as
    ``[before | visual | after | carrier]`` with these counts (q = before+visual+after+carrier);
    the first ``time`` of the ``before`` entries state the frame's time."""

    inputs: torch.Tensor  # [1, q, D]
    before: int
    visual: int
    after: int
    carrier: bool
    decoder_kwargs: dict = field(default_factory=dict)  # e.g. DeepStack features
    time: int = 0

    @property
    def block_entries(self) -> int:
        """Entries the cache layout counts as the frame's visual part (scaffold included)."""
        return self.before + self.visual + self.after

    @property
    def length(self) -> int:
        return self.block_entries + int(self.carrier)


@dataclass(frozen=True)
class RotaryInfo:
    """What re-rotating a cached key needs. A key at position p (per row r) was rotated by angle
    ``p[row_of_frequency[i]] * inv_freq[i]`` in frequency slot i (halves concatenated as in
    transformers' ``rotate_half``), then cos/sin scaled by ``attention_scaling``."""

    inv_freq: torch.Tensor  # [head_dim / 2], float32
    attention_scaling: float
    row_of_frequency: torch.Tensor  # [head_dim / 2] long: which position row drives slot i


LONG_TIME = 3599.0  # s: a frame time whose text is as long as most (59:59)


class StreamLayout:
    """One stream's place in a family's position layout (owned by the engine or replay of that
    stream, never by the shared adapter). The base keeps nothing: every frame chunk is placed from
    ``start`` alone, and a frame evicted under ``sliding`` closes its whole span on every row."""

    def gap(self, start: int, positions: torch.Tensor) -> list[int]:
        """Per row, what the frame just placed at ``positions [R, 1, q]`` from ``start`` adds to
        the stream's positions (closed for every later frame once it leaves the memory)."""
        return [int(positions.max()) + 1 - start] * positions.shape[0]

    def closed(self, gap: list[int], next_free: int) -> int:
        """Frames left the memory and every later entry moved by ``-gap`` per row; returns where
        the stream continues (``next_free`` is where it continued before)."""
        return next_free - max(gap)


class VisionLanguageModel(ABC):
    """Base of every family adapter; subclasses fill in the vision side and the decoder."""

    position_rows = 1  # R in the [R, 1, q] position grids
    videoscan_trained = False  # load_model sets it from videoscan.json (see presets.py)
    # training (train/runner.py): True where train/model.py's one masked sequence equals
    # streaming (no scaffold, 1-D positions); otherwise stream replay (train/replay.py)
    masked_training = False
    # the vision tower's linear layers LoRA adapts (--vision lora); SigLIP names by default
    vision_lora_targets: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2")
    vision_attention_lora_targets: tuple[str, ...] = ("q_proj", "k_proj", "v_proj")  # official

    def __init__(
        self,
        model,
        tokenizer,
        *,
        preprocessor: FramePreprocessor | None = None,
        prompt: PromptFormat = CHATML,
        source: str = "",
        time_instruction: bool = True,
    ) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.prompt = prompt
        self.source = source
        self.time_instruction = time_instruction  # False: LLaVA-Video's time text not wanted
        self.config = model.config
        self.image_size = self._image_size()
        self.preprocessor = preprocessor or FramePreprocessor(self.image_size)
        text = self.text_config
        self.num_layers = int(text.num_hidden_layers)
        self.hidden_size = int(text.hidden_size)
        self.num_kv_heads = int(text.num_key_value_heads)
        head_dim = getattr(text, "head_dim", None)
        self.head_dim = int(head_dim or text.hidden_size // text.num_attention_heads)
        self.max_position_embeddings = int(getattr(text, "max_position_embeddings", 0) or 0)
        self.eos_token_ids = self._stop_token_ids()
        self._abort_event: threading.Event | None = None  # the running caller's flag
        self._install_abort_hooks()

    # -- what a family must provide ----------------------------------------------------------
    family = "base"  # catalogue / CLI name, e.g. "llava-onevision"

    @property
    def text_config(self):
        return self.config.text_config

    def _image_size(self) -> int:
        return int(self.config.vision_config.image_size)

    @property
    @abstractmethod
    def decoder(self) -> torch.nn.Module:
        """The language model without its head (layers in ``.layers``, ``.rotary_emb``)."""

    @property
    def lm_head(self) -> torch.nn.Module:
        return self.model.lm_head

    @property
    @abstractmethod
    def tokens_per_frame(self) -> int:
        """N: visual tokens per frame (scaffold text not counted)."""

    @abstractmethod
    def vision_layers(self) -> list[torch.nn.Module]:
        """The vision tower's transformer layers (abort checks run before each)."""

    @abstractmethod
    def encode(self, pixels: Any) -> VisualTokens:
        """Pixels from ``preprocess`` (this family's kind) -> visual tokens ``[B, N, D]`` (+
        extras)."""

    def training_parts(self) -> tuple[torch.nn.Module, list[torch.nn.Module]]:
        """(vision tower, projector modules) for training: ``--vision`` freezes or adapts the
        tower; the projectors always train (they may sit inside the tower)."""
        raise NotImplementedError(f"{self.family} models cannot be trained")

    # -- structure -------------------------------------------------------------------------
    @property
    def device(self) -> torch.device:
        return self.lm_head.weight.device

    @property
    def dtype(self) -> torch.dtype:
        return self.lm_head.weight.dtype

    def kv_bytes_per_entry(self, position_mode: str | None = None) -> int:
        """Bytes of an entry over all layers: K, V, and K as computed where kept (cache_tensors)."""
        tensors = cache_tensors(position_mode, self.dtype)
        element = torch.empty((), dtype=self.dtype).element_size()
        return tensors * self.num_layers * self.num_kv_heads * self.head_dim * element

    lora_module: torch.nn.Module | None = None  # where LoRA adapters sit (adapters/lora.py)

    def plain_text(self, enabled: bool = True):
        """A context in which the language model is the one it was trained from: its LoRA
        adapters (if any) off. The engine uses it for the system turn and while nothing is
        remembered, so text-only prompts get the base model's answers."""
        from .lora import adapters_off

        return adapters_off(self.lora_module if enabled else None)

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

        for layer in [*self.decoder.layers, *self.vision_layers()]:
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
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"] if text else []
        return torch.tensor([ids], dtype=torch.long, device=self.device)

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        """[B, L] ids -> [B, L, D] input embeddings."""
        return self.model.get_input_embeddings()(ids)

    def decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True)

    def frame_text(self, timestamp: float) -> FrameText:
        """Scaffold text around the frame taken at ``timestamp`` seconds."""
        return self.prompt.frame_text(timestamp)

    # -- vision ----------------------------------------------------------------------------
    def preprocess(self, frames: list[np.ndarray]) -> Any:
        """RGB uint8 frames -> pixels for ``encode``: here a tensor [F, 3, S, S] on device, in
        dtype; a family may return its own kind (Qwen-VL: ``QwenPixels``)."""
        pixels = np.stack([self.preprocessor(frame) for frame in frames])
        return torch.from_numpy(pixels).to(device=self.device, dtype=self.dtype)

    def encode_frames(self, pixels: torch.Tensor) -> torch.Tensor:
        """[F, 3, S, S] pixels -> [F, N, D] visual tokens (extras dropped)."""
        return self.encode(pixels).tokens

    def constant_carrier(self) -> torch.Tensor:
        """A fixed carrier input (the mean token embedding), for the "without carrier
        embedding" ablation."""
        return self.model.get_input_embeddings().weight.mean(dim=0)  # [D]

    # -- one frame chunk -------------------------------------------------------------------
    def frame_inputs(
        self, visual: VisualTokens | None, timestamp: float, carrier: torch.Tensor | None
    ) -> FrameInputs:
        """The chunk ``[before | visual [N] | after | carrier]`` for one frame; ``visual=None``
        gives the carrier alone (no scaffold). ``carrier`` is ``[1, 1, D]`` or None."""
        pieces: list[torch.Tensor] = []
        before = after = n = time = 0
        if visual is not None:
            text = self.frame_text(timestamp)
            time_ids = self.tokenize(text.time)  # [1, c]: tokenised apart, so c is exact
            head_ids = torch.cat([time_ids, self.tokenize(text.before[len(text.time) :])], dim=1)
            head = self.embed(head_ids)  # [1, a, D]
            tail = self.embed(self.tokenize(text.after))  # [1, b, D]
            tokens = visual.tokens.to(head.dtype)
            pieces += [head, tokens, tail]
            before, n, after = head.shape[1], tokens.shape[1], tail.shape[1]
            time = time_ids.shape[1]
        if carrier is not None:
            pieces.append(carrier)
        inputs = torch.cat(pieces, dim=1)
        return FrameInputs(inputs, before, n, after, carrier is not None, time=time)

    # -- positions -------------------------------------------------------------------------
    def text_positions(self, start: int, count: int) -> torch.Tensor:
        """Positions ``[R, 1, count]`` of ``count`` text tokens from ``start`` (all rows equal)."""
        line = torch.arange(start, start + count, device=self.device)
        return line.view(1, 1, count).expand(self.position_rows, 1, count).clone()

    def new_stream(self) -> StreamLayout:
        """The layout state of one new stream (pass it to every ``frame_positions`` call)."""
        return StreamLayout()

    def frame_positions(
        self, start: int, chunk: FrameInputs, stream: StreamLayout | None = None
    ) -> torch.Tensor:
        """Positions ``[R, 1, q]`` of a frame chunk starting at ``start``. 1-D families: the
        chunk's tokens are ordinary consecutive positions."""
        return self.text_positions(start, chunk.length)

    def closer_look(self, frame: np.ndarray) -> FrameInputs | None:
        """The newest frame through the family's own image path at a higher resolution (a chunk
        without carrier, ``closer_look.py``), or None where the family has none."""
        return None

    def look_positions(self, start: int, chunk: FrameInputs) -> torch.Tensor:
        """Positions ``[R, 1, q]`` of a ``closer_look`` chunk from ``start`` (1-D: text)."""
        return self.text_positions(start, chunk.length)

    def frame_place(self) -> int:
        """Positions one frame's whole chunk (scaffold, ``tokens_per_frame`` visual tokens,
        carrier) spans in a stream: the place ``sliding`` keeps for each remembered frame."""
        tokens = torch.zeros(1, self.tokens_per_frame, self.hidden_size, device=self.device)
        visual = VisualTokens(tokens.to(self.dtype))
        with torch.inference_mode():
            chunk = self.frame_inputs(visual, LONG_TIME, visual.tokens[:, :1])
            return self.next_position(self.frame_positions(0, chunk))

    def time_entries(self) -> int:
        """Cache entries of a frame's time text (kept with its carrier; 0 without one)."""
        return int(self.tokenize(self.frame_text(LONG_TIME).time).shape[1])

    @staticmethod
    def next_position(positions: torch.Tensor) -> int:
        """The first free position after a chunk placed at ``positions [R, 1, q]``."""
        return int(positions.max()) + 1

    def decoder_position_ids(self, positions: torch.Tensor) -> torch.Tensor:
        """``[R, 1, q]`` -> the decoder's ``position_ids`` (``[1, q]`` for 1-D RoPE)."""
        return positions[0] if self.position_rows == 1 else positions

    def decode_step(
        self, inputs: torch.Tensor, positions: torch.Tensor, cache, **decoder_kwargs
    ) -> torch.Tensor:
        """Run the decoder over ``inputs [1, q, D]`` at ``positions [R, 1, q]``, appending to
        ``cache``; returns the last hidden states ``[1, q, D]``."""
        return self.decoder(
            inputs_embeds=inputs,
            position_ids=self.decoder_position_ids(positions),
            past_key_values=cache,
            use_cache=True,
            **decoder_kwargs,
        ).last_hidden_state

    def rotary(self) -> RotaryInfo:
        """The decoder's RoPE frequencies (1-D: every slot driven by row 0)."""
        rotary = self.decoder.rotary_emb
        inv_freq = rotary.inv_freq.detach().float().clone()
        rows = torch.zeros(inv_freq.shape[0], dtype=torch.long, device=inv_freq.device)
        return RotaryInfo(inv_freq, float(rotary.attention_scaling), rows)
