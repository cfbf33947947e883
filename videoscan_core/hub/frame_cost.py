"""What a frame and the training-free memory cost for a catalogued model, before it is downloaded.

Contract: ``frame_cost(entry, memory=64) -> FrameCost``: the visual tokens of a 1080p frame, the
cache entries the family's training-free preset (``presets.training_free_settings``) holds with
``memory`` carriers - S + M (1 + k + c) + (r + 1) (N + scaffold + 1), bounded however long the
stream runs (an hour at 1 FPS holds the same) - and their bytes, from the model's text shape
(layers, key/value heads, head size; each checkpoint's config.json) in the dtype it runs in
(float32 for CPU-class models, bfloat16 on a GPU): keys and values, and the keys as computed
where the engine keeps them too (``config.cache_tensors``: the preset's ``sliding`` positions in
bfloat16). ``CACHE_BUDGET`` is the most that memory may hold; ``videoscan models cost`` prints
the table the README quotes. Scaffold and time-text token counts are estimates for the real
tokenizers (digits are single tokens).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..adapters.families import family
from ..adapters.presets import training_free_settings
from ..config import cache_tensors
from ..limits import FIXED_ENTRIES

GIB = 1024**3
CACHE_BUDGET = 1 * GIB  # the memory's KV cache, at most (models recommend states it)
QWEN_VIDEO_1080P = 720  # a 1080p frame at the 768-token video budget (test_qwen_preprocess.py)

# (visual tokens of a 1080p frame, text layers, key/value heads, head size)
SHAPES = {
    "HuggingFaceTB/SmolVLM2-256M-Video-Instruct": (64, 30, 3, 64),
    "HuggingFaceTB/SmolVLM2-500M-Video-Instruct": (64, 32, 5, 64),
    "HuggingFaceTB/SmolVLM2-2.2B-Instruct": (81, 24, 32, 64),
    "llava-hf/llava-onevision-qwen2-0.5b-ov-hf": (196, 24, 2, 64),
    "llava-hf/llava-onevision-qwen2-7b-ov-hf": (196, 28, 4, 128),
    "lmms-lab/LLaVA-Video-7B-Qwen2": (210, 28, 4, 128),
    "Qwen/Qwen3-VL-8B-Instruct": (QWEN_VIDEO_1080P, 36, 8, 128),
    "Qwen/Qwen3-VL-4B-Instruct": (QWEN_VIDEO_1080P, 36, 8, 128),
    "Qwen/Qwen3-VL-2B-Instruct": (QWEN_VIDEO_1080P, 28, 8, 128),
    "Qwen/Qwen2.5-VL-7B-Instruct": (QWEN_VIDEO_1080P, 28, 4, 128),
    "Qwen/Qwen2.5-VL-3B-Instruct": (QWEN_VIDEO_1080P, 36, 2, 128),
}


@dataclass(frozen=True)
class FrameCost:
    frame_tokens: int  # visual tokens of a 1080p frame
    keep_topk: int
    entries: int  # cache entries the training-free memory holds at most
    cache_bytes: int
    dtype: str  # what the cache holds: "float32" (CPU-class models) or "bfloat16"

    def line(self) -> str:
        return (
            f"A 1080p frame costs {self.frame_tokens} visual tokens; the training-free memory "
            f"(64 carriers, each with its top {self.keep_topk} visual tokens) holds at most "
            f"{self.cache_bytes / GIB:.2f} GB of cache however long it streams (an hour at "
            f"1 FPS included; budget {CACHE_BUDGET / GIB:.0f} GB)."
        )


def frame_cost(entry, memory: int = 64) -> FrameCost | None:
    """None for models without a known shape (the bundled demo, speech models)."""
    shape = SHAPES.get(entry.id)
    if shape is None:
        return None
    tokens, layers, kv_heads, head_dim = shape
    preset = training_free_settings(entry.family)
    facts = family(entry.family)  # scaffold and time-text tokens around a frame, estimated
    scaffold, time = facts.scaffold_tokens, facts.time_tokens
    k, recent = preset["keep_topk"], preset["recent_frames"]
    entries = FIXED_ENTRIES + memory * (1 + k + time) + (recent + 1) * (tokens + scaffold + 1)
    dtype, element = ("float32", 4) if entry.speed_class.startswith("cpu") else ("bfloat16", 2)
    tensors = cache_tensors(preset["position_mode"], dtype)  # K, V (and K as computed)
    per_entry = tensors * layers * kv_heads * head_dim * element
    return FrameCost(tokens, k, entries, entries * per_entry, dtype)
