"""Catalogue data for the Qwen-VL checkpoints (``catalogue.CATALOGUE`` turns them into entries).

Sources: MODEL-FAMILIES.md sections 1, 3 and 4 (parameter counts computed from the configs).
Weights are bfloat16 on the hub. ``download_gb``: the hub's safetensors for Qwen2.5-VL-3B (3.98 +
3.53 GB) and Qwen3-VL-2B (4.26 GB); for the others, parameter count x 2 bytes (files not seen).
``gpu_vram_gb`` = bfloat16 weights + 1.5 GB for vision activations at 640x480, the KV cache and
the CUDA context; ``cpu_ram_gb`` = float32 weights + 1 GB. Both are estimates, not measurements.
Tokens per 448x448 frame: 256 for Qwen2.5-VL (28 px units), 196 for Qwen3-VL (32 px units).
Licences from the model cards: Qwen2.5-VL-3B is under the Qwen Research licence
(non-commercial), the others Apache-2.0.
"""

from __future__ import annotations

_COMMON = {"kind": "vision", "speed_class": "gpu", "preset": "training-free"}

QWEN_MODELS: tuple[dict, ...] = (
    {
        **_COMMON,
        "id": "Qwen/Qwen3-VL-8B-Instruct",
        "title": "Qwen3-VL 8B",
        "download_gb": 17.5,
        "cpu_ram_gb": 36.1,
        "gpu_vram_gb": 19.0,
        "notes": "2026 base: DeepStack, timestamped frames, 196 tokens per 448 px frame. GPU.",
        "family": "qwen3-vl",
        "licence": "Apache-2.0",
    },
    {
        **_COMMON,
        "id": "Qwen/Qwen3-VL-4B-Instruct",
        "title": "Qwen3-VL 4B",
        "download_gb": 8.88,
        "cpu_ram_gb": 18.8,
        "gpu_vram_gb": 10.4,
        "notes": "Qwen3-VL for a 12-16 GB GPU; 196 tokens per 448 px frame.",
        "family": "qwen3-vl",
        "licence": "Apache-2.0",
    },
    {
        **_COMMON,
        "id": "Qwen/Qwen3-VL-2B-Instruct",
        "title": "Qwen3-VL 2B",
        "download_gb": 4.26,
        "cpu_ram_gb": 9.5,
        "gpu_vram_gb": 5.8,
        "notes": "The smallest Qwen3-VL, for an 8 GB GPU; 196 tokens per 448 px frame.",
        "family": "qwen3-vl",
        "licence": "Apache-2.0",
    },
    {
        **_COMMON,
        "id": "Qwen/Qwen2.5-VL-7B-Instruct",
        "title": "Qwen2.5-VL 7B",
        "download_gb": 16.6,
        "cpu_ram_gb": 34.2,
        "gpu_vram_gb": 18.1,
        "notes": "Time in its positions (2 per second); 256 tokens per 448 px frame. GPU, 20 GB+.",
        "family": "qwen2.5-vl",
        "licence": "Apache-2.0",
    },
    {
        **_COMMON,
        "id": "Qwen/Qwen2.5-VL-3B-Instruct",
        "title": "Qwen2.5-VL 3B",
        "download_gb": 7.51,
        "cpu_ram_gb": 16.0,
        "gpu_vram_gb": 9.0,
        "notes": "Qwen Research licence (non-commercial); 256 tokens per 448 px frame. GPU.",
        "family": "qwen2.5-vl",
        "licence": "qwen-research",
    },
)
