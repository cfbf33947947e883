"""Tiny random models of the real architecture, built offline.

Contract: ``make_tiny_model(folder)`` writes a LLaVA-OneVision checkpoint (SigLIP vision config +
Qwen2 text config, a tokenizer trained offline, ``preprocessor_config.json``) with random weights
that ``LlavaOnevisionForConditionalGeneration.from_pretrained(folder)`` and ``load_model(folder)``
load. The same seed gives the same weights. ``tiny_config`` is the config alone, for tests that
build models in memory. Geometry: 35x35 frames, 7x7 patches -> a 5x5 grid pooled to 3x3 = 9
tokens per frame; a 2-layer Qwen2 with GQA (4 heads, 2 KV heads).

``make_tiny_model(folder, family=...)`` writes any family in ``TINY_FAMILIES``:
"llava-onevision" (transformers format), "llava-video" (the same weights in the LLaVA-NeXT
repository layout of ``lmms-lab/LLaVA-Video-7B-Qwen2``, per-row newline tokens, with its SigLIP
tower config in ``siglip/``), "smolvlm2" (``tiny_smolvlm``), "qwen2.5-vl" and "qwen3-vl"
(``tiny_qwen``, tiny geometry only). Each loads through
``load_model(folder)``, the path a downloaded checkpoint takes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TinyGeometry:
    image_size: int = 35
    patch_size: int = 7
    vision_hidden: int = 32
    vision_layers: int = 2
    vision_heads: int = 2
    text_hidden: int = 32
    text_layers: int = 2
    text_heads: int = 4
    text_kv_heads: int = 2
    intermediate: int = 37
    vocab_size: int = 512
    # Larger than Qwen2's 0.02 so that logits are O(1) and a wrong cache or position moves them
    # far beyond test tolerances (see docs/cache-and-positions.md section 4).
    initializer_range: float = 0.1


# The geometry of the bundled demo model, trained on the synthetic benchmark: 48x48 frames, 8x8
# patches -> 6x6 grid pooled to 3x3 = 9 tokens per frame; about 2 million parameters.
DEMO_GEOMETRY = TinyGeometry(
    image_size=48,
    patch_size=8,
    vision_hidden=96,
    vision_layers=3,
    vision_heads=4,
    text_hidden=192,
    text_layers=4,
    text_heads=6,
    text_kv_heads=2,
    intermediate=512,
    vocab_size=448,
    initializer_range=0.02,
)
GEOMETRIES = {"tiny": TinyGeometry(), "demo": DEMO_GEOMETRY}


def tiny_config(tokenizer, geometry: TinyGeometry | None = None):
    """A ``LlavaOnevisionConfig`` for a tokenizer from ``build_qwen2_tokenizer``."""
    from transformers import LlavaOnevisionConfig, Qwen2Config, SiglipVisionConfig

    g = geometry or TinyGeometry()
    vision = SiglipVisionConfig(
        image_size=g.image_size,
        patch_size=g.patch_size,
        hidden_size=g.vision_hidden,
        intermediate_size=g.vision_hidden * 2,
        num_hidden_layers=g.vision_layers,
        num_attention_heads=g.vision_heads,
        vision_use_head=False,
    )
    text = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=g.text_hidden,
        intermediate_size=g.intermediate,
        num_hidden_layers=g.text_layers,
        num_attention_heads=g.text_heads,
        num_key_value_heads=g.text_kv_heads,
        max_position_embeddings=32768,
        initializer_range=g.initializer_range,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=None,
        tie_word_embeddings=False,
    )
    grid = g.image_size // g.patch_size
    return LlavaOnevisionConfig(
        vision_config=vision,
        text_config=text,
        image_token_index=tokenizer.convert_tokens_to_ids("<image>"),
        video_token_index=tokenizer.convert_tokens_to_ids("<video>"),
        vision_feature_select_strategy="full",
        vision_feature_layer=-1,
        image_grid_pinpoints=[[g.image_size * a, g.image_size * b] for a in (1, 2) for b in (1, 2)],
        tie_word_embeddings=False,
        initializer_range=g.initializer_range,
        # recorded for people reading config.json; the engine derives it from the geometry
        video_tokens_per_frame=((grid + 1) // 2) ** 2,
    )


def build_tiny_model(
    seed: int = 0,
    geometry: TinyGeometry | None = None,
    attn: str = "sdpa",
    corpus: list[str] | None = None,
):
    """(model, tokenizer) in memory, float32, eval mode."""
    import torch
    from transformers import LlavaOnevisionForConditionalGeneration

    from .tokenizer import BASE_CORPUS, build_qwen2_tokenizer

    g = geometry or TinyGeometry()
    lines = list(BASE_CORPUS) + list(corpus or [])
    tokenizer = build_qwen2_tokenizer(lines, vocab_size=g.vocab_size)
    torch.manual_seed(seed)
    model = LlavaOnevisionForConditionalGeneration._from_config(
        tiny_config(tokenizer, g), attn_implementation=attn, dtype=torch.float32
    )
    return model.eval(), tokenizer


TINY_FAMILIES = ("llava-onevision", "llava-video", "smolvlm2", "qwen2.5-vl", "qwen3-vl")


def make_tiny_model(
    folder: str | Path, seed: int = 0, geometry: str = "tiny", family: str = "llava-onevision"
) -> Path:
    """Write a random model of a family and a named geometry ("tiny", or "demo": the starting
    point of the demo model, with a tokenizer fitted to the synthetic benchmark); returns its
    path."""
    if family == "smolvlm2":
        from .smolvlm import make_tiny_smolvlm

        return make_tiny_smolvlm(folder, seed=seed, geometry=geometry)
    if family in ("qwen2.5-vl", "qwen3-vl"):
        from .qwen import make_tiny_qwen

        if geometry != "tiny":
            raise ValueError(f"{family} tiny models come in the 'tiny' geometry only")
        return make_tiny_qwen(folder, family, seed=seed)
    if family not in TINY_FAMILIES:
        raise ValueError(f"unknown family {family!r}; choose one of {', '.join(TINY_FAMILIES)}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    corpus = None
    if geometry == "demo":
        from ..eval.synthetic import corpus_lines

        corpus = corpus_lines()
    model, tokenizer = build_tiny_model(seed, GEOMETRIES[geometry], corpus=corpus)
    if family == "llava-video":
        write_llava_next_checkpoint(folder, model, tokenizer)
    else:
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
    size = model.config.vision_config.image_size
    (folder / "preprocessor_config.json").write_text(
        json.dumps(
            {
                "image_processor_type": "SiglipImageProcessor",
                "image_mean": [0.5, 0.5, 0.5],
                "image_std": [0.5, 0.5, 0.5],
                "size": {"height": size, "width": size},
                "resample": 3,
            },
            indent=2,
        )
    )
    if geometry == "demo":  # the demo model is trained without the time instruction
        (folder / "videoscan.json").write_text(json.dumps({"time_instruction": False}))
    title = "LLaVA-Video (LLaVA-NeXT layout)" if family == "llava-video" else "LLaVA-OneVision"
    (folder / "README.md").write_text(
        f"# Tiny random {title}\n\nRandom weights from `videoscan make-tiny-model` "
        f"(seed {seed}). For tests and examples only: its answers are meaningless.\n"
    )
    return folder


def write_llava_next_checkpoint(folder: Path, model, tokenizer) -> None:
    """Write ``model`` the way the LLaVA-NeXT repository stores LLaVA-Video checkpoints: a Qwen2
    config with ``mm_*`` keys, two safetensors shards with LLaVA-NeXT weight names, and the
    vision tower's config in ``siglip/`` (``mm_vision_tower`` points there)."""
    from safetensors.torch import save_file

    rename = [
        ("model.language_model.", "model."),
        ("model.vision_tower.", "model.vision_tower.vision_tower.vision_model."),
        ("model.multi_modal_projector.linear_1.", "model.mm_projector.0."),
        ("model.multi_modal_projector.linear_2.", "model.mm_projector.2."),
    ]
    state = {}
    for key, value in model.state_dict().items():
        for old, new in rename:
            if key.startswith(old):
                key = new + key[len(old) :]
                break
        state[key] = value.detach().clone().contiguous()
    names = sorted(state)
    halves = {
        "model-00001-of-00002.safetensors": names[::2],
        "model-00002-of-00002.safetensors": names[1::2],
    }
    weight_map = {}
    for file, keys in halves.items():
        save_file({k: state[k] for k in keys}, str(folder / file), metadata={"format": "pt"})
        weight_map.update({k: file for k in keys})
    (folder / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {}, "weight_map": weight_map})
    )
    tower = folder / "siglip"
    model.config.vision_config.save_pretrained(tower)
    config = model.config.text_config.to_dict()
    config.update(
        architectures=["LlavaQwenForCausalLM"],
        model_type="llava",
        mm_vision_tower=str(tower.resolve()),
        mm_projector_type="mlp2x_gelu",
        mm_newline_position="grid",
        mm_spatial_pool_mode="bilinear",
        mm_vision_select_layer=-2,
    )
    (folder / "config.json").write_text(json.dumps(config))
    tokenizer.save_pretrained(folder)
