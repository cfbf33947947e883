"""Training presets: ``official`` (the paper's hyper-parameters) and ``demo`` (the tiny model).

Contract: ``RECIPES[name]`` maps ``TrainOptions`` field names to values; ``apply_recipe(name,
given)`` returns the recipe's values overridden by the flags the user gave (``given``: field ->
value, only explicit flags). Every official value and its source, in LyliAgave/VideoScan @
2c0f728 (``scripts/train.sh`` and ``llava/train/train.py``, re-read for this file):

| field | official | source |
|---|---|---|
| lora_rank | 64 | train.py L164 ``lora_r: int = 64`` (train.sh does not override it) |
| lora_alpha | 16 | train.py L165 ``lora_alpha: int = 16`` |
| lora_dropout | 0.05 | train.py L166 ``lora_dropout: float = 0.05`` |
| LoRA targets | every LLM linear but lm_head | train.py ``find_all_linear_names`` |
| vision | lora on q/k/v | train.sh ``--train_w_vit True``: ``find_all_linear_names`` keeps short |
|  |  | names, so SigLIP's q_proj/k_proj/v_proj match too (other towers: the |
|  |  | adapter's ``vision_attention_lora_targets``, Qwen's fused ``attn.qkv``) |
| vision_learning_rate | 2e-6 | train.sh ``--mm_vision_tower_lr=2e-6`` |
| learning_rate | 1e-5 | train.sh ``--learning_rate 1e-5`` |
| warmup_ratio | 0.03, cosine | train.sh ``--warmup_ratio 0.03 --lr_scheduler_type "cosine"`` |
| epochs | 1 | train.sh ``--num_train_epochs 1`` |
| batch_size x GPUs | 1 x 8 | train.sh ``--per_device_train_batch_size 1``, 8 processes |
| grad_accum | 1 | train.sh ``--gradient_accumulation_steps 1`` |
| frames_per_clip | 3 uniform | train.sh ``--frames_upbound 3 --force_sample True`` |
| weight_decay | 0 | train.sh ``--weight_decay 0.`` |
| precision | bf16 | train.sh ``--bf16 True`` (here: bf16 when the GPU has it) |
The projector is trained fully and lm_head/embeddings/newline stay frozen in both.
``demo`` keeps the settings the bundled demo model was trained with (full fine-tuning, lr 1e-3,
batch 8, 500 steps, 1 fps frames), sized for the tiny geometry, not for 7B.
"""

from __future__ import annotations

RECIPES: dict[str, dict] = {
    "official": {
        "lora_rank": 64,
        "lora_alpha": 16,
        "lora_dropout": 0.05,
        "learning_rate": 1e-5,
        "vision": "lora",
        "vision_lora_targets": ("attention",),  # the tower's q/k/v (the adapter names them)
        "vision_learning_rate": 2e-6,
        "warmup_ratio": 0.03,
        "warmup_steps": 0,
        "epochs": 1.0,
        "max_steps": 0,
        "batch_size": 1,
        "grad_accum": 1,
        "frames_per_clip": 3,
        "weight_decay": 0.0,
    },
    "demo": {
        "lora_rank": 0,
        "lora_alpha": None,
        "lora_dropout": 0.0,
        "learning_rate": 1e-3,
        "vision": "full",
        "vision_lora_targets": None,
        "vision_learning_rate": None,
        "warmup_ratio": 0.0,
        "warmup_steps": 20,
        "epochs": 1.0,
        "max_steps": 500,
        "batch_size": 8,
        "grad_accum": 1,
        "frames_per_clip": 0,
        "weight_decay": 0.0,
    },
}


def apply_recipe(name: str, given: dict) -> dict:
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; known: {', '.join(RECIPES)}")
    return {**RECIPES[name], **{k: v for k, v in given.items() if v is not None}}
