"""Tiny random Qwen2.5-VL and Qwen3-VL models of the real architecture, built offline.

Contract: ``build_tiny_qwen(family, seed)`` returns ``(model, tokenizer)`` in memory (float32, eval)
for ``family`` in ``QWEN_FAMILIES``; ``make_tiny_qwen(folder, family, seed)`` writes the hub layout
(``config.json``, safetensors, tokenizer files, ``preprocessor_config.json`` and, for Qwen3-VL,
``video_preprocessor_config.json``) that ``load_model(folder)`` loads like a download. The same
seed gives the same weights. Real classes (``Qwen2_5_VLForConditionalGeneration``,
``Qwen3VLForConditionalGeneration``) at tiny sizes: 4-pixel patches merged 2x2 (factor 8), a
2-3 layer vision tower (Qwen2.5-VL: window attention with one full-attention block; Qwen3-VL:
DeepStack after vision blocks 0 and 1), a 3-layer decoder with GQA and M-RoPE over head_dim 16.
``initializer_range`` 0.1 keeps logits O(1) so position, mask and DeepStack bugs show up far
above test tolerances (docs/cache-and-positions.md section 4). Special token ids lie in the tiny
vocab.
"""

from __future__ import annotations

import json
from pathlib import Path

QWEN_FAMILIES = ("qwen2.5-vl", "qwen3-vl")
MODEL_TYPES = {"qwen2.5-vl": "qwen2_5_vl", "qwen3-vl": "qwen3_vl"}

# Qwen's vision/chat special tokens, added to the tiny tokenizer (ids land inside its vocab).
QWEN_SPECIAL_TOKENS = (
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
)
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]
PATCH = 4  # tiny spatial patch; merge 2 -> resize factor 8
# Tiny pixel budget per frame: small frames are resized up to >= 32x32, big ones down to <= 3072.
MIN_PIXELS = 32 * 32
MAX_PIXELS = 48 * 64
TEXT = {"hidden": 32, "layers": 3, "heads": 2, "kv_heads": 1, "head_dim": 16, "intermediate": 48}
INIT = 0.1
# The checkpoints use 1e6 (2.5) and 5e6 (3); with only 8 frequency slots a small base is needed
# so that the h and w rows drive frequencies fast enough for a swapped row to show in logits.
TINY_THETA = 100.0


def build_qwen_tokenizer(lines: list[str] | None = None, vocab_size: int = 512):
    """The project's offline Qwen2 BPE tokenizer plus Qwen's vision special tokens."""
    from .tokenizer import BASE_CORPUS, SPECIAL_TOKENS, build_qwen2_tokenizer

    tokenizer = build_qwen2_tokenizer(list(BASE_CORPUS) + list(lines or []), vocab_size)
    specials = list(SPECIAL_TOKENS[1:]) + list(QWEN_SPECIAL_TOKENS)
    tokenizer.add_special_tokens({"additional_special_tokens": specials})
    return tokenizer


def _ids(tokenizer) -> dict[str, int]:
    convert = tokenizer.convert_tokens_to_ids
    return {
        "image_token_id": convert("<|image_pad|>"),
        "video_token_id": convert("<|video_pad|>"),
        "vision_start_token_id": convert("<|vision_start|>"),
        "vision_end_token_id": convert("<|vision_end|>"),
    }


def qwen2_5_vl_config(tokenizer):
    """A tiny ``Qwen2_5_VLConfig`` (flat text fields, as the hub files are)."""
    from transformers import Qwen2_5_VLConfig

    text = {
        "vocab_size": len(tokenizer),
        "hidden_size": TEXT["hidden"],
        "intermediate_size": TEXT["intermediate"],
        "num_hidden_layers": TEXT["layers"],
        "num_attention_heads": TEXT["heads"],
        "num_key_value_heads": TEXT["kv_heads"],
        "max_position_embeddings": 32768,
        "rms_norm_eps": 1e-6,
        "rope_parameters": {
            "rope_type": "default",
            "rope_theta": TINY_THETA,
            "mrope_section": [2, 3, 3],
        },
        "use_sliding_window": False,
        "initializer_range": INIT,
        "bos_token_id": None,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
    }
    vision = {
        "depth": 2,
        "hidden_size": 16,
        "intermediate_size": 24,
        "num_heads": 2,
        "patch_size": PATCH,
        "spatial_merge_size": 2,
        "temporal_patch_size": 2,
        "tokens_per_second": 2,
        "window_size": 2 * 2 * PATCH,  # 2x2 merged units per window, as 112 px is 4x4 at 14 px
        "fullatt_block_indexes": [1],
        "out_hidden_size": TEXT["hidden"],
        "initializer_range": INIT,
    }
    return Qwen2_5_VLConfig(
        text_config=text,
        vision_config=vision,
        tie_word_embeddings=False,
        initializer_range=INIT,
        **_ids(tokenizer),
    )


def qwen3_vl_config(tokenizer):
    """A tiny ``Qwen3VLConfig`` (nested text/vision configs, interleaved M-RoPE, DeepStack)."""
    from transformers import Qwen3VLConfig

    text = {
        "vocab_size": len(tokenizer),
        "hidden_size": TEXT["hidden"],
        "intermediate_size": TEXT["intermediate"],
        "num_hidden_layers": TEXT["layers"],
        "num_attention_heads": TEXT["heads"],
        "num_key_value_heads": TEXT["kv_heads"],
        "head_dim": TEXT["head_dim"],
        "max_position_embeddings": 262144,
        "rope_parameters": {
            "rope_type": "default",
            "rope_theta": TINY_THETA,
            "mrope_section": [4, 2, 2],
            "mrope_interleaved": True,
        },
        "initializer_range": INIT,
        "pad_token_id": tokenizer.pad_token_id,
        "tie_word_embeddings": False,
    }
    vision = {
        "depth": 3,
        "hidden_size": 16,
        "intermediate_size": 24,
        "num_heads": 2,
        "patch_size": PATCH,
        "spatial_merge_size": 2,
        "temporal_patch_size": 2,
        "out_hidden_size": TEXT["hidden"],
        "num_position_embeddings": 36,  # a 6x6 learned grid, bilinearly resampled
        "deepstack_visual_indexes": [0, 1],
        "initializer_range": INIT,
    }
    return Qwen3VLConfig(
        text_config=text,
        vision_config=vision,
        tie_word_embeddings=False,
        initializer_range=INIT,
        **_ids(tokenizer),
    )


def build_tiny_qwen(family: str, seed: int = 0, attn: str = "sdpa"):
    """(model, tokenizer) in memory, float32, eval mode."""
    import torch
    from transformers import Qwen2_5_VLForConditionalGeneration, Qwen3VLForConditionalGeneration

    if family not in QWEN_FAMILIES:
        choices = ", ".join(QWEN_FAMILIES)
        raise ValueError(f"unknown Qwen family {family!r}; choose one of {choices}")
    tokenizer = build_qwen_tokenizer()
    if family == "qwen2.5-vl":
        cls, config = Qwen2_5_VLForConditionalGeneration, qwen2_5_vl_config(tokenizer)
    else:
        cls, config = Qwen3VLForConditionalGeneration, qwen3_vl_config(tokenizer)
    torch.manual_seed(seed)
    model = cls._from_config(config, attn_implementation=attn, dtype=torch.float32)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.bos_token_id = None
    return model.eval(), tokenizer


def processor_files(family: str) -> dict[str, dict]:
    """The processor JSON files of the tiny checkpoint, named as on the hub."""
    common = {
        "patch_size": PATCH,
        "temporal_patch_size": 2,
        "merge_size": 2,
        "do_rescale": True,
        "rescale_factor": 1 / 255,
        "do_normalize": True,
        "resample": 3,
    }
    if family == "qwen2.5-vl":  # one file, min/max pixels at top level (Qwen2.5-VL hub layout)
        return {
            "preprocessor_config.json": {
                **common,
                "image_processor_type": "Qwen2VLImageProcessor",
                "processor_class": "Qwen2_5_VLProcessor",
                "min_pixels": MIN_PIXELS,
                "max_pixels": MAX_PIXELS,
                "image_mean": CLIP_MEAN,
                "image_std": CLIP_STD,
            }
        }
    half = {"image_mean": [0.5] * 3, "image_std": [0.5] * 3}
    size = {"shortest_edge": MIN_PIXELS, "longest_edge": MAX_PIXELS}
    return {
        "preprocessor_config.json": {
            **common,
            **half,
            "image_processor_type": "Qwen2VLImageProcessorFast",
            "processor_class": "Qwen3VLProcessor",
            "size": size,
        },
        # the clip budget covers both frames of the one temporal patch a streamed frame makes
        "video_preprocessor_config.json": {
            **common,
            **half,
            "video_processor_type": "Qwen3VLVideoProcessor",
            "processor_class": "Qwen3VLProcessor",
            "size": {"shortest_edge": 2 * MIN_PIXELS, "longest_edge": 2 * MAX_PIXELS},
            "fps": 2,
        },
    }


def make_tiny_qwen(folder: str | Path, family: str = "qwen2.5-vl", seed: int = 0) -> Path:
    """Write a tiny random model of ``family`` in the hub layout and return its folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model, tokenizer = build_tiny_qwen(family, seed)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    for name, data in processor_files(family).items():
        (folder / name).write_text(json.dumps(data, indent=2))
    title = "Qwen2.5-VL" if family == "qwen2.5-vl" else "Qwen3-VL"
    (folder / "README.md").write_text(
        f"# Tiny random {title}\n\nRandom weights from `videoscan make-tiny-model --family "
        f"{family}` (seed {seed}). For tests and examples only: its answers are meaningless.\n"
    )
    return folder


# -- published shapes, random weights (benchmarks) ------------------------------------------
# The published configs; a model built here counts the parameters of the checkpoint
# (3,754.6 M and 2,127.5 M).
REAL_SHAPES = {
    "qwen2.5-vl-3b": {
        "text": {
            "hidden_size": 2048,
            "num_hidden_layers": 36,
            "num_attention_heads": 16,
            "num_key_value_heads": 2,
            "intermediate_size": 11008,
            "max_position_embeddings": 128000,
            "rms_norm_eps": 1e-6,
            "rope_parameters": {
                "rope_type": "default",
                "rope_theta": 1000000.0,
                "mrope_section": [16, 24, 24],
            },
            "use_sliding_window": False,
        },
        "vision": {
            "depth": 32,
            "hidden_size": 1280,
            "num_heads": 16,
            "intermediate_size": 3420,
            "hidden_act": "silu",
            "patch_size": 14,
            "window_size": 112,
            "fullatt_block_indexes": [7, 15, 23, 31],
            "tokens_per_second": 2,
            "out_hidden_size": 2048,
        },
    },
    "qwen3-vl-2b": {
        "text": {
            "hidden_size": 2048,
            "num_hidden_layers": 28,
            "num_attention_heads": 16,
            "num_key_value_heads": 8,
            "head_dim": 128,
            "intermediate_size": 6144,
            "max_position_embeddings": 262144,
            "rms_norm_eps": 1e-6,
            "rope_parameters": {
                "rope_type": "default",
                "rope_theta": 5000000.0,
                "mrope_section": [24, 20, 20],
                "mrope_interleaved": True,
            },
            "tie_word_embeddings": True,
        },
        "vision": {
            "depth": 24,
            "hidden_size": 1024,
            "num_heads": 16,
            "intermediate_size": 4096,
            "hidden_act": "gelu_pytorch_tanh",
            "patch_size": 16,
            "num_position_embeddings": 2304,
            "deepstack_visual_indexes": [5, 11, 17],
            "out_hidden_size": 2048,
        },
    },
}
REAL_VOCAB = 151936


def real_shape_config(name: str, tokenizer):
    """The config of a published geometry, with the tiny tokenizer's special ids."""
    from transformers import Qwen2_5_VLConfig, Qwen3VLConfig

    shape = REAL_SHAPES[name]
    text = {**shape["text"], "vocab_size": REAL_VOCAB, "pad_token_id": tokenizer.pad_token_id}
    cls = Qwen2_5_VLConfig if name.startswith("qwen2.5") else Qwen3VLConfig
    return cls(
        text_config=text,
        vision_config=dict(shape["vision"]),
        tie_word_embeddings=True,
        **_ids(tokenizer),
    )


def build_real_shape_qwen(name: str, attn: str = "sdpa", device: str = "cpu"):
    """A Qwen adapter with random weights of a published geometry (float32; ``device="meta"``
    builds it without memory, for counting)."""
    import torch
    from transformers import Qwen2_5_VLForConditionalGeneration, Qwen3VLForConditionalGeneration

    from ..adapters.qwen_preprocess import QwenFrameProcessor

    if name not in REAL_SHAPES:
        raise ValueError(f"unknown Qwen geometry {name!r}; choose one of {', '.join(REAL_SHAPES)}")
    tokenizer = build_qwen_tokenizer()
    config = real_shape_config(name, tokenizer)
    qwen3 = name.startswith("qwen3")
    cls = Qwen3VLForConditionalGeneration if qwen3 else Qwen2_5_VLForConditionalGeneration
    torch.manual_seed(0)
    with torch.device(device):
        model = cls._from_config(config, attn_implementation=attn, dtype=torch.float32)
    if device == "meta":
        return model, tokenizer
    family = "qwen3-vl" if qwen3 else "qwen2.5-vl"
    frames = QwenFrameProcessor.for_family(family)  # the hub processor settings
    if qwen3:
        from ..adapters.qwen3_vl import Qwen3VLModel as adapter
    else:
        from ..adapters.qwen2_5_vl import Qwen25VLModel as adapter
    return adapter(model.eval(), tokenizer, frames=frames, source=name)


def build_tiny_qwen_adapter(family: str, seed: int = 0, attn: str = "sdpa"):
    """The tiny model of ``family`` behind its adapter, in memory (as ``load_model`` gives it)."""
    from ..adapters.qwen_preprocess import QwenFrameProcessor

    model, tokenizer = build_tiny_qwen(family, seed, attn)
    files = processor_files(family)
    settings = files.get("video_preprocessor_config.json") or files["preprocessor_config.json"]
    frames = QwenFrameProcessor.for_family(family, settings)
    if family == "qwen3-vl":
        from ..adapters.qwen3_vl import Qwen3VLModel as adapter
    else:
        from ..adapters.qwen2_5_vl import Qwen25VLModel as adapter
    return adapter(model, tokenizer, frames=frames, source=f"tiny {family}")
