"""Engine and generation settings as plain dataclasses.

Contract: nothing here imports torch; values are validated in ``__post_init__`` so a bad setting
fails where it is made, with a message a person can act on. The app maps QSettings onto these
classes at its boundary; the CLI maps flags onto them.

``keeps_original_keys(position_mode, dtype)`` is the one rule for when a stream's cache also keeps
every key as first computed (the engine's ``SlotCache(original_keys=...)``), and
``cache_tensors(position_mode, dtype)`` what an entry then holds per layer (2 or 3 tensors): the
engine, ``limits.check_against_model`` and ``hub/frame_cost.py`` all read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

PositionMode = Literal["compact", "monotonic", "rerotate", "sliding"]
POSITION_MODES = ("compact", "monotonic", "rerotate", "sliding")

DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant."


def keeps_original_keys(position_mode: str | None, dtype: object) -> bool:
    """Whether the cache keeps each key as computed besides the moved one: where cuts move keys
    (``rerotate``, ``sliding``) in a dtype narrower than float32, so a key moved many times is
    re-derived with one rounding (``stream/positions.rerotate``). ``dtype``: a torch dtype or its
    name ("float32", "bfloat16", ...)."""
    moving = position_mode in ("rerotate", "sliding")
    return moving and str(dtype).removeprefix("torch.") != "float32"


def cache_tensors(position_mode: str | None, dtype: object) -> int:
    """Tensors one cache entry takes per layer: its key and value, and its key as computed where
    ``keeps_original_keys`` (1.5x the bytes of keys and values)."""
    return 3 if keeps_original_keys(position_mode, dtype) else 2


@dataclass(frozen=True)
class EngineConfig:
    """How the streaming engine turns frames into cache entries."""

    # Carriers kept in memory (M). None keeps every frame (only sensible with carrier=False
    # for the full-token baseline). With carrier=False the bank holds whole frames.
    memory_size: int | None = 64
    # "compact": new tokens are numbered from the compacted cache length (official VideoScan,
    # needed for weights trained that way). "monotonic": positions keep growing with the stream
    # (refused past the model's max_position_embeddings). "rerotate": after each cut the kept
    # keys are re-rotated so the cache holds contiguous positions in stream order (bounded by
    # S + M (1 + k) + frame + question, and ordered). "sliding": positions of a full-token
    # stream of the frames still in memory (each kept frame keeps its full span, evicted frames'
    # spans are closed by re-rotation): monotonic until the first eviction, bounded by
    # S + (M + 1) frame spans + question; see stream/positions.py.
    position_mode: PositionMode = "compact"
    # VideoScan+: per layer, also keep the k visual entries of each frame that its carrier
    # attended to most (head-averaged). 0 disables.
    keep_topk: int = 0
    # Keep all visual entries of the last r frames until they age out. 0 disables.
    recent_frames: int = 0
    # False: plain full-token streaming (no carrier token; every visual entry kept).
    carrier: bool = True
    # Ablation "without carrier KV": False feeds only the carrier (its frame's visual tokens are
    # never prefilled), so its cache entry holds no semantic flow from the frame.
    carrier_kv: bool = True
    # Ablation "without carrier embedding": "constant" feeds a fixed vector (the mean token
    # embedding) instead of the mean of the frame's visual tokens.
    carrier_input: Literal["mean", "constant"] = "mean"
    # "cpu", "cuda", "cuda:1", "mps", ... None picks CUDA, then MPS, when available.
    device: str | None = None
    # "float32", "bfloat16", "float16". None picks bfloat16/float16 on CUDA, float32 on CPU.
    dtype: str | None = None
    # Text of the system turn that precedes the frames.
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    # Add the LLaVA-Video time instruction (real carrier timestamps) before each question.
    time_instruction: bool = True
    # What runs the vision tower on a CPU: "torch" (PyTorch float32, the reference), "openvino"
    # or "auto" (OpenVINO, bfloat16 where the CPU has it; see adapters/vision_runtime.py).
    vision_runtime: Literal["auto", "torch", "openvino"] = "torch"
    # What runs the language model while answering on a CPU (frames stay PyTorch float32):
    # "torch" (float32, the reference), "bf16", "int8", "openvino" or "auto" (per CPU; see
    # stream/answer_runtime.py).
    answer_runtime: Literal["auto", "torch", "bf16", "int8", "openvino"] = "torch"
    # A closer look: each question also sees the newest frame through the family's own image
    # path at a higher resolution (SmolVLM2: 2 x 2 tiles + global; Qwen-VL: up to 2,048
    # tokens), prefilled after the memory and rolled back with the question (adapters/
    # closer_look.py). Families without one (LLaVA) ignore it.
    closer_look: bool = False

    def __post_init__(self) -> None:
        if self.memory_size is not None and self.memory_size < 1:
            raise ValueError(f"memory size must be at least 1 (got {self.memory_size})")
        if self.position_mode not in POSITION_MODES:
            raise ValueError(
                "position mode must be 'compact', 'monotonic', 'rerotate' or 'sliding' "
                f"(got {self.position_mode!r})"
            )
        if self.keep_topk < 0:
            raise ValueError(f"keep_topk must be >= 0 (got {self.keep_topk})")
        if self.recent_frames < 0:
            raise ValueError(f"recent_frames must be >= 0 (got {self.recent_frames})")
        if self.carrier_input not in ("mean", "constant"):
            raise ValueError(
                f"carrier_input must be 'mean' or 'constant' (got {self.carrier_input!r})"
            )
        if not self.carrier_kv and (self.keep_topk or self.recent_frames):
            raise ValueError(
                "keep_topk and recent_frames need the frame's tokens (carrier_kv=True)"
            )
        if not self.carrier and self.keep_topk:
            raise ValueError("keep_topk needs carriers: it selects by the carrier's attention")
        if self.vision_runtime not in ("auto", "torch", "openvino"):
            raise ValueError(
                f"vision runtime must be auto, torch or openvino (got {self.vision_runtime!r})"
            )
        if self.answer_runtime not in ("auto", "torch", "bf16", "int8", "openvino"):
            raise ValueError(
                "answer runtime must be auto, torch, bf16, int8 or openvino "
                f"(got {self.answer_runtime!r})"
            )
        if self.dtype not in (None, "float32", "bfloat16", "float16"):
            raise ValueError(f"dtype must be float32, bfloat16 or float16 (got {self.dtype!r})")

    @classmethod
    def from_name(cls, name: str, **overrides: Any) -> EngineConfig:
        """A named preset: 'videoscan', 'videoscan-plus', 'recent-window', 'full-tokens'."""
        try:
            base = _PRESETS[name]
        except KeyError:
            known = ", ".join(sorted(_PRESETS))
            raise ValueError(f"unknown preset {name!r}; known presets: {known}") from None
        return replace(base, **overrides)

    def replace(self, **changes: Any) -> EngineConfig:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)


_PRESETS: dict[str, EngineConfig] = {
    "videoscan": EngineConfig(),
    "videoscan-128": EngineConfig(memory_size=128),
    "videoscan-plus": EngineConfig(keep_topk=8),
    "recent-window": EngineConfig(recent_frames=4),
    "full-tokens": EngineConfig(carrier=False, memory_size=None),
}


@dataclass(frozen=True)
class GenerationOptions:
    """How an answer is decoded."""

    # Upper bound on generated tokens (the end token stops earlier).
    max_new_tokens: int = 128
    # 0 means greedy decoding; above 0, sample from softmax(logits / temperature).
    temperature: float = 0.0
    # Nucleus sampling mass (only when sampling).
    top_p: float = 1.0
    # Seed for sampling, so sampled answers can be reproduced.
    seed: int | None = None
    # Extra strings that end the answer when produced.
    stop_strings: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1 (got {self.max_new_tokens})")
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0 (got {self.temperature})")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1] (got {self.top_p})")
