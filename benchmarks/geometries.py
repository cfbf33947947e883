"""Random-weight models of three sizes, built from configs (nothing is downloaded).

- ``tiny``: the test geometry (35 px frames, 9 tokens per frame, 2-layer Qwen2 of width 32);
- ``small``: about 50M parameters (SigLIP 224/16 width 384 x 6 layers -> 49 tokens per frame,
  Qwen2 width 512 x 8 layers);
- ``smolvlm2-256m`` / ``smolvlm2-500m``: SmolVLM2's published shapes (SigLIP 512/16 width 768 x 12
  layers, pixel shuffle 4 -> 64 tokens per frame; Llama 576 x 30 / 960 x 32 layers);
  ``smolvlm2-2.2b`` (SigLIP-so400m 384/14, pixel shuffle 3 -> 81 tokens; Llama 2048 x 24);
- ``qwen2.5-vl-3b`` / ``qwen3-vl-2b``: Qwen2.5-VL-3B's and Qwen3-VL-2B's published shapes
  (``tiny_qwen.REAL_SHAPES``; 448 px frames -> 256 / 196 tokens; float32 needs about 15 / 8.5 GB);
- ``ov-0.5b``: LLaVA-OneVision-0.5B geometry (SigLIP-so400m-384 with 26 layers -> 196 tokens per
  frame, Qwen2-0.5B with 24 layers). Building it takes about half a minute on 2 cores.
Compute cost does not depend on weight values, so these measure the method, not a checkpoint.
"""

from __future__ import annotations

import torch

from videoscan_core.tiny.llava import TinyGeometry

GEOMETRIES = (
    "tiny",
    "small",
    "ov-0.5b",
    "smolvlm2-256m",
    "smolvlm2-500m",
    "smolvlm2-2.2b",
    "qwen2.5-vl-3b",
    "qwen3-vl-2b",
)


def build(name: str, attn: str = "sdpa", device: str | None = None, dtype: str | None = None):
    """A ``VisionLanguageModel`` with random weights of the named geometry: float32 on the CPU by
    default; on ``device`` the weights are created there (float32), then cast to ``dtype``."""
    target = torch.device(device or "cpu")
    with torch.device(target):
        model = _build(name, attn, str(target))
    model.model.to(device=target, dtype=getattr(torch, dtype) if dtype else None)
    return model


def parameter_count(name: str) -> int:
    """Weights of the named geometry, counted on the meta device (no memory, no time)."""
    if name.startswith("qwen"):
        from videoscan_core.tiny.qwen import build_real_shape_qwen

        model, _ = build_real_shape_qwen(name, device="meta")
        return sum(p.numel() for p in model.parameters())
    with torch.device("meta"):
        return sum(p.numel() for p in _build(name, "sdpa", "meta").model.parameters())


def _build(name: str, attn: str, device: str = "cpu"):
    from transformers import (
        LlavaOnevisionConfig,
        LlavaOnevisionForConditionalGeneration,
        Qwen2Config,
        SiglipVisionConfig,
    )

    from videoscan_core.adapters.llava_onevision import VisionLanguageModel
    from videoscan_core.tiny.llava import build_tiny_model, tiny_config
    from videoscan_core.tiny.tokenizer import build_qwen2_tokenizer

    if name == "tiny":
        model, tokenizer = build_tiny_model(seed=0, geometry=TinyGeometry(), attn=attn)
        return VisionLanguageModel(model, tokenizer)
    if name.startswith("qwen"):  # published Qwen-VL shapes, random weights
        from videoscan_core.tiny.qwen import build_real_shape_qwen

        return build_real_shape_qwen(name, attn=attn, device=device)
    if name.startswith("smolvlm2-"):  # published SmolVLM2 shapes, random weights
        from videoscan_core.tiny.smolvlm import build_real_shape_smolvlm

        return build_real_shape_smolvlm(name, attn=attn)
    tokenizer = build_qwen2_tokenizer()
    if name == "small":
        vision = SiglipVisionConfig(
            image_size=224,
            patch_size=16,
            hidden_size=384,
            intermediate_size=1536,
            num_hidden_layers=6,
            num_attention_heads=6,
            vision_use_head=False,
        )
        text = Qwen2Config(
            vocab_size=32000,
            hidden_size=512,
            intermediate_size=1536,
            num_hidden_layers=8,
            num_attention_heads=8,
            num_key_value_heads=2,
            tie_word_embeddings=True,
        )
    elif name == "ov-0.5b":
        vision = SiglipVisionConfig(
            image_size=384,
            patch_size=14,
            hidden_size=1152,
            intermediate_size=4304,
            num_hidden_layers=26,
            num_attention_heads=16,
            vision_use_head=False,
            layer_norm_eps=1e-6,
        )
        text = Qwen2Config(
            vocab_size=151936,
            hidden_size=896,
            intermediate_size=4864,
            num_hidden_layers=24,
            num_attention_heads=14,
            num_key_value_heads=2,
            tie_word_embeddings=True,
            rope_theta=1000000.0,
        )
    else:
        raise ValueError(f"unknown geometry {name!r}; use one of {GEOMETRIES}")
    text.pad_token_id = tokenizer.pad_token_id
    text.eos_token_id = tokenizer.eos_token_id
    config = LlavaOnevisionConfig(
        vision_config=vision,
        text_config=text,
        vision_feature_layer=-1,
        vision_feature_select_strategy="full",
        image_token_index=3,
        video_token_index=4,
        tie_word_embeddings=text.tie_word_embeddings,
    )
    del tiny_config  # the tiny config helper is not used for the larger geometries
    torch.manual_seed(0)
    model = LlavaOnevisionForConditionalGeneration._from_config(
        config, attn_implementation=attn, dtype=torch.float32
    )
    return VisionLanguageModel(model.eval(), tokenizer)
