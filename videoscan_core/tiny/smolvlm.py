"""Tiny random SmolVLM2 models of the real architecture, built offline.

Contract: ``build_tiny_smolvlm(seed, geometry)`` returns ``(model, tokenizer)`` in memory (a
``SmolVLMForConditionalGeneration``, float32, eval); ``make_tiny_smolvlm(folder, seed, geometry)``
writes the hub layout (``config.json``, safetensors, ``generation_config.json``, tokenizer files,
``preprocessor_config.json`` and ``processor_config.json`` as the SmolVLM2 repositories hold them)
that ``load_model(folder)`` loads like a download. The same seed gives the same weights.
Geometry "tiny": 32 px frames, 4 px patches (8x8), pixel shuffle 2 -> 16 visual tokens per frame,
2 vision and 2 Llama layers (4 heads, 2 KV heads); "demo": 48 px, 8 px patches -> 9 tokens, the
demo model's text size. The tokenizer is a byte-level BPE with GPT-2 pre-tokenisation, like
SmolLM2's, so the prompt tokenises the same whole or piece by piece around special tokens, with
SmolVLM2's special tokens. ``initializer_range`` 0.1 keeps logits O(1) so position and mask bugs
show up far above test tolerances (docs/cache-and-positions.md section 4).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..adapters.smolvlm import END_OF_UTTERANCE, SPECIAL_TOKENS


@dataclass(frozen=True)
class SmolGeometry:
    image_size: int = 32
    patch_size: int = 4
    scale_factor: int = 2
    vision_hidden: int = 32
    vision_layers: int = 2
    vision_heads: int = 2
    text_hidden: int = 32
    text_layers: int = 2
    text_heads: int = 4
    text_kv_heads: int = 2
    intermediate: int = 37
    vocab_size: int = 512
    initializer_range: float = 0.1


SMOL_GEOMETRIES = {
    "tiny": SmolGeometry(),
    "demo": SmolGeometry(
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
    ),
}

CHAT_SPECIALS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")


def build_smolvlm_tokenizer(lines: list[str] | None = None, vocab_size: int = 512):
    """A trained byte-level BPE ``GPT2Tokenizer`` (SmolLM2's pre-tokenisation) with SmolVLM2's
    special tokens; bos ``<|endoftext|>``, eos ``<end_of_utterance>``, pad ``<|im_end|>``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Tokenizer

    from .tokenizer import BASE_CORPUS

    specials = list(CHAT_SPECIALS) + list(SPECIAL_TOKENS)
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    bpe.decoder = decoders.ByteLevel()
    corpus = list(BASE_CORPUS) + list(lines or []) + [
        "User: Assistant: System: Frame from 00:00: 00:01: 00:02: 00:10:",
        "You are provided the following series of frames from a video.",
    ]
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(corpus, trainer=trainer)
    model = json.loads(bpe.to_str())["model"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
    tokenizer = GPT2Tokenizer(
        vocab=model["vocab"],
        merges=merges,
        unk_token="<|endoftext|>",
        bos_token="<|endoftext|>",
        eos_token=END_OF_UTTERANCE,
        pad_token="<|im_end|>",
    )
    tokenizer.add_special_tokens({"additional_special_tokens": specials[1:]})
    return tokenizer


def smolvlm_vision_config(geometry: SmolGeometry):
    """The SigLIP-style vision tower's config for a geometry (its ``vision_*`` fields)."""
    from transformers import SmolVLMVisionConfig

    g = geometry
    return SmolVLMVisionConfig(
        hidden_size=g.vision_hidden,
        intermediate_size=g.vision_hidden * 2,
        num_hidden_layers=g.vision_layers,
        num_attention_heads=g.vision_heads,
        image_size=g.image_size,
        patch_size=g.patch_size,
        initializer_range=g.initializer_range,
    )


def tiny_smolvlm_config(tokenizer, geometry: SmolGeometry | None = None):
    """A ``SmolVLMConfig`` (Llama text model) for a tokenizer from ``build_smolvlm_tokenizer``."""
    from transformers import LlamaConfig, SmolVLMConfig

    g = geometry or SmolGeometry()
    vision = smolvlm_vision_config(g)
    text = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=g.text_hidden,
        intermediate_size=g.intermediate,
        num_hidden_layers=g.text_layers,
        num_attention_heads=g.text_heads,
        num_key_value_heads=g.text_kv_heads,
        max_position_embeddings=8192,
        rope_theta=100000.0,
        rms_norm_eps=1e-5,
        initializer_range=g.initializer_range,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=False,
    )
    return SmolVLMConfig(
        vision_config=vision,
        text_config=text,
        scale_factor=g.scale_factor,
        image_token_id=tokenizer.convert_tokens_to_ids("<image>"),
        tie_word_embeddings=False,
        initializer_range=g.initializer_range,
    )


def build_tiny_smolvlm(
    seed: int = 0,
    geometry: SmolGeometry | None = None,
    attn: str = "sdpa",
    corpus: list[str] | None = None,
):
    """(model, tokenizer) in memory, float32, eval mode."""
    import torch
    from transformers import SmolVLMForConditionalGeneration

    g = geometry or SmolGeometry()
    tokenizer = build_smolvlm_tokenizer(corpus, vocab_size=g.vocab_size)
    torch.manual_seed(seed)
    model = SmolVLMForConditionalGeneration._from_config(
        tiny_smolvlm_config(tokenizer, g), attn_implementation=attn, dtype=torch.float32
    )
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.bos_token_id = tokenizer.bos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model.eval(), tokenizer


# Published SmolVLM2 shapes (docs/model-families.md), for random-weight benchmarks.
REAL_SHAPES = {
    "smolvlm2-256m": dict(
        vision=dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                    intermediate_size=3072, image_size=512, patch_size=16),
        text=dict(hidden_size=576, num_hidden_layers=30, num_attention_heads=9,
                  num_key_value_heads=3, head_dim=64, intermediate_size=1536,
                  rope_theta=100000.0),
        scale_factor=4,
    ),
    "smolvlm2-500m": dict(
        vision=dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                    intermediate_size=3072, image_size=512, patch_size=16),
        text=dict(hidden_size=960, num_hidden_layers=32, num_attention_heads=15,
                  num_key_value_heads=5, head_dim=64, intermediate_size=2560,
                  rope_theta=100000.0),
        scale_factor=4,
    ),
    "smolvlm2-2.2b": dict(
        vision=dict(hidden_size=1152, num_hidden_layers=27, num_attention_heads=16,
                    intermediate_size=4304, image_size=384, patch_size=14),
        text=dict(hidden_size=2048, num_hidden_layers=24, num_attention_heads=32,
                  num_key_value_heads=32, head_dim=64, intermediate_size=8192,
                  rope_theta=130000.0),
        scale_factor=3,
    ),
}


def build_real_shape_smolvlm(name: str, attn: str = "sdpa"):
    """A ``SmolVLMModel`` adapter with random weights of a published SmolVLM2 shape (float32,
    vocabulary 49280; 64 visual tokens per 512 px frame, 81 per 384 px frame for 2.2B); the
    tokenizer is the tiny one."""
    import torch
    from transformers import LlamaConfig, SmolVLMConfig, SmolVLMForConditionalGeneration

    from ..adapters.smolvlm import SmolVLMModel

    shape = REAL_SHAPES[name]
    tokenizer = build_smolvlm_tokenizer()
    text = LlamaConfig(
        vocab_size=49280,
        max_position_embeddings=8192,
        rms_norm_eps=1e-5,
        tie_word_embeddings=False,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.bos_token_id,
        **shape["text"],
    )
    config = SmolVLMConfig(
        vision_config=shape["vision"],
        text_config=text,
        scale_factor=shape["scale_factor"],
        image_token_id=tokenizer.convert_tokens_to_ids("<image>"),
    )
    torch.manual_seed(0)
    model = SmolVLMForConditionalGeneration._from_config(
        config, attn_implementation=attn, dtype=torch.float32
    )
    return SmolVLMModel(model.eval(), tokenizer)


def processor_files(model) -> dict[str, dict]:
    """``preprocessor_config.json`` and ``processor_config.json`` as SmolVLM2 repos hold them."""
    size = int(model.config.vision_config.image_size)
    seq_len = int(model.model.image_seq_len)
    return {
        "preprocessor_config.json": {
            "image_processor_type": "SmolVLMImageProcessor",
            "processor_class": "SmolVLMProcessor",
            "do_convert_rgb": True,
            "do_resize": True,
            "size": {"longest_edge": 4 * size},
            "max_image_size": {"longest_edge": size},
            "resample": 1,
            "do_rescale": True,
            "rescale_factor": 1 / 255,
            "do_normalize": True,
            "image_mean": [0.5, 0.5, 0.5],
            "image_std": [0.5, 0.5, 0.5],
            "do_image_splitting": True,
            "do_pad": True,
            "video_sampling": {
                "fps": 1,
                "max_frames": 64,
                "video_size": {"longest_edge": size},
            },
        },
        "processor_config.json": {"image_seq_len": seq_len, "processor_class": "SmolVLMProcessor"},
    }


def make_tiny_smolvlm(folder: str | Path, seed: int = 0, geometry: str = "tiny") -> Path:
    """Write a tiny random SmolVLM2 in the hub layout and return its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    corpus = None
    if geometry == "demo":
        from ..eval.synthetic import corpus_lines

        corpus = corpus_lines()
    model, tokenizer = build_tiny_smolvlm(seed, SMOL_GEOMETRIES[geometry], corpus=corpus)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    for name, data in processor_files(model).items():
        (folder / name).write_text(json.dumps(data, indent=2))
    (folder / "README.md").write_text(
        "# Tiny random SmolVLM2\n\nRandom weights from `videoscan make-tiny-model --family "
        f"smolvlm2` (seed {seed}). For tests and examples only: its answers are meaningless.\n"
    )
    return folder
