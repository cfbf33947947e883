"""Loading LLaVA-NeXT-layout checkpoints (``lmms-lab/LLaVA-Video-7B-Qwen2``, the paper's base).

Contract: ``is_llava_next_layout(config_dict)`` recognises the original LLaVA-NeXT repository's
format (a Qwen2 config with ``mm_*`` keys; weights named ``model.layers.*``,
``model.vision_tower.vision_tower.vision_model.*``, ``model.mm_projector.{0,2}.*``,
``model.image_newline``). ``load_llava_next(folder, ...)`` builds the equivalent
``LlavaOnevisionConfig`` and loads the weights into ``LlavaOnevisionForConditionalGeneration``
through transformers' ``key_mapping`` (sharded files, meta-device init and dtype handled there).
It returns the model and the newline mode: LLaVA-Video's ``mm_newline_position="grid"`` appends
``image_newline`` after every pooled row, giving N = 14 * 15 = 210 tokens per 384 px frame.

The vision tower config is not stored in these checkpoints (LLaVA-NeXT reads it from
``mm_vision_tower``): it is read from that folder when it is a local path, else taken from the
known towers below; the number of layers always comes from the weights (LLaVA-NeXT drops SigLIP's
last layer, so so400m has 26 of 27).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..errors import ModelLoadError

KEY_MAPPING = {
    r"^model\.vision_tower\.vision_tower\.vision_model\.": "model.vision_tower.vision_model.",
    r"^model\.mm_projector\.0\.": "model.multi_modal_projector.linear_1.",
    r"^model\.mm_projector\.2\.": "model.multi_modal_projector.linear_2.",
    r"^model\.(embed_tokens|layers|norm)\.": r"model.language_model.\1.",
}

# SigLIP towers used by LLaVA-OneVision / LLaVA-Video, by the name in ``mm_vision_tower``.
KNOWN_TOWERS = {
    "google/siglip-so400m-patch14-384": dict(
        hidden_size=1152,
        intermediate_size=4304,
        num_attention_heads=16,
        image_size=384,
        patch_size=14,
        layer_norm_eps=1e-6,
    ),
}

_NEWLINE_MODES = {"grid": "grid", "frame": "frame", "one_token": "none", "no_token": "none"}
_VISION_LAYER = re.compile(r"vision_tower\.vision_tower\.vision_model\.encoder\.layers\.(\d+)\.")


def is_llava_next_layout(config: dict) -> bool:
    architectures = config.get("architectures") or [""]
    return "mm_vision_tower" in config or architectures[0].startswith("LlavaQwen")


def _weight_names(folder: Path) -> list[str]:
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        return list(json.loads(index.read_text())["weight_map"])
    from safetensors import safe_open

    names: list[str] = []
    for path in sorted(folder.glob("*.safetensors")):
        with safe_open(str(path), framework="pt") as handle:
            names.extend(handle.keys())
    if not names:
        raise ModelLoadError(f"{folder} has no .safetensors weights")
    return names


def _vision_config(config: dict, names: list[str]):
    from transformers import SiglipVisionConfig

    tower = str(config.get("mm_vision_tower", ""))
    tower_path = Path(tower).expanduser()
    if (tower_path / "config.json").is_file():
        settings = SiglipVisionConfig.from_pretrained(tower_path).to_dict()
    elif tower in KNOWN_TOWERS:
        settings = dict(KNOWN_TOWERS[tower])
    else:
        raise ModelLoadError(
            f"unknown vision tower {tower!r}: point mm_vision_tower in config.json to a local "
            "SigLIP folder, or use one of: " + ", ".join(KNOWN_TOWERS)
        )
    layers = {int(m.group(1)) for name in names if (m := _VISION_LAYER.search(name))}
    if not layers:
        raise ModelLoadError("the checkpoint holds no vision tower weights")
    settings.update(num_hidden_layers=max(layers) + 1, vision_use_head=False)
    settings.pop("model_type", None)
    return SiglipVisionConfig(**settings)


def llava_next_to_onevision_config(config: dict, names: list[str], tokenizer):
    """The ``LlavaOnevisionConfig`` equivalent to a LLaVA-NeXT ``config.json``."""
    from transformers import LlavaOnevisionConfig, Qwen2Config

    text_settings = {
        key: value
        for key, value in config.items()
        if not key.startswith(("mm_", "image_", "tokenizer_", "vision_"))
        and key not in ("architectures", "model_type", "auto_map", "transformers_version")
    }
    text = Qwen2Config(**text_settings)
    vocab = tokenizer.get_vocab()
    return LlavaOnevisionConfig(
        text_config=text,
        vision_config=_vision_config(config, names),
        vision_feature_layer=-1,
        vision_feature_select_strategy="full",
        image_token_index=vocab.get("<image>", text.vocab_size - 1),
        video_token_index=vocab.get("<video>", text.vocab_size - 1),
        tie_word_embeddings=bool(config.get("tie_word_embeddings", False)),
    )


def load_llava_next(folder: Path, config: dict, tokenizer, dtype, device):
    """(model, newline mode) for a LLaVA-NeXT-layout folder."""
    from transformers import LlavaOnevisionForConditionalGeneration

    names = _weight_names(folder)
    ov_config = llava_next_to_onevision_config(config, names, tokenizer)
    model, info = LlavaOnevisionForConditionalGeneration.from_pretrained(
        folder,
        config=ov_config,
        key_mapping=KEY_MAPPING,
        dtype=dtype,
        device_map={"": str(device)},
        local_files_only=True,
        output_loading_info=True,
    )
    missing = [key for key in info.get("missing_keys", ()) if key != "lm_head.weight"]
    if missing:
        raise ModelLoadError(
            f"{folder}: {len(missing)} weights missing after the LLaVA-NeXT key remap "
            f"(first: {sorted(missing)[0]})"
        )
    if "lm_head.weight" in info.get("missing_keys", ()):
        model.lm_head.weight = model.get_input_embeddings().weight  # tied checkpoints (0.5B)
    newline = _NEWLINE_MODES.get(str(config.get("mm_newline_position", "grid")), "grid")
    return model, newline
