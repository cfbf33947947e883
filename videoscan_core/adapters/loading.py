"""Finding and loading a model: a local folder or a Hugging Face hub id.

Contract: ``resolve_model_folder(source)`` returns a local folder holding ``config.json``: the
folder itself, or the hub snapshot (downloaded if allowed, from the cache when
``HF_HUB_OFFLINE=1``). ``load_model(source, device, dtype)`` returns a ready family adapter
(``base.VisionLanguageModel``) for the families in ``SUPPORTED_FAMILIES``: LLaVA-OneVision
checkpoints in transformers format, LLaVA-NeXT-layout checkpoints (LLaVA-Video) and SmolVLM2
(``model_type`` "smolvlm"). ``family_of(config)`` names a config's family (None when unsupported).
Failures raise ``ModelNotFoundError`` / ``ModelLoadError`` with a one-line message: an unsupported
checkpoint names the supported families, a missing processor or tokenizer file is named.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

from ..errors import ModelLoadError, ModelNotFoundError, first_line
from ..hub.offline import hub_offline
from ..limits import VIDEO_FRAME_TOKENS
from ..paths import DEMO_MODEL_ID, bundled_demo_model
from ..telemetry import disable_telemetry
from .preprocess import FramePreprocessor

log = logging.getLogger("videoscan")


def looks_like_hub_id(source: str) -> bool:
    parts = source.split("/")
    return len(parts) == 2 and all(parts) and not source.startswith((".", "/", "~"))


def resolve_model_folder(source: str | os.PathLike) -> Path:
    if str(source) == DEMO_MODEL_ID:
        folder = bundled_demo_model()
        if folder is None:
            raise ModelNotFoundError("the bundled demo model is missing; reinstall the app")
        return folder
    path = Path(source).expanduser()
    if path.exists():
        if not path.is_dir():
            raise ModelNotFoundError(f"model path {path} is a file; pass the model's folder")
        if not (path / "config.json").is_file():
            raise ModelNotFoundError(
                f"model folder {path} has no config.json (is it a downloaded model?)"
            )
        return path
    text = str(source)
    if not looks_like_hub_id(text):
        raise ModelNotFoundError(f"model folder {text} does not exist")
    return _hub_snapshot(text)


def _hub_snapshot(repo_id: str) -> Path:
    disable_telemetry()
    from ..hub.timeouts import install_hub_timeouts

    install_hub_timeouts()  # the first metadata request has no time limit of its own
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    from ..hub.problems import hub_problem

    offline = hub_offline()
    try:
        folder = snapshot_download(repo_id, local_files_only=offline)
    except LocalEntryNotFoundError:
        if offline:
            raise ModelNotFoundError(
                f"model {repo_id} is not in the local Hugging Face cache and HF_HUB_OFFLINE=1; "
                "download it on a connected machine or pass a local folder"
            ) from None
        raise ModelNotFoundError(
            f"model {repo_id} is not in the local cache and the Hugging Face hub cannot be "
            "reached; check the connection or pass a local folder"
        ) from None
    except Exception as error:
        problem = hub_problem(error, repo_id)
        if problem is None and not isinstance(error, OSError):
            raise
        # connection problems the hub does not name surface as OSError subclasses
        problem = problem or f"cannot fetch {repo_id}: {first_line(error)}"
        raise ModelNotFoundError(problem) from None
    path = Path(folder)
    if not (path / "config.json").is_file():
        raise ModelNotFoundError(f"{repo_id} has no config.json; is it a model repository?")
    return path


SUPPORTED_FAMILIES = ("LLaVA-OneVision", "LLaVA-Video", "SmolVLM2", "Qwen2.5-VL", "Qwen3-VL")
QWEN_FAMILIES = ("qwen2.5-vl", "qwen3-vl")


def family_of(config: dict) -> str | None:
    """``"llava-video"`` (LLaVA-NeXT layout), ``"llava-onevision"``, ``"smolvlm2"``,
    ``"qwen2.5-vl"``, ``"qwen3-vl"`` or None."""
    from .llava_next import is_llava_next_layout

    if is_llava_next_layout(config):
        return "llava-video"
    return {
        "llava_onevision": "llava-onevision",
        "smolvlm": "smolvlm2",
        "qwen2_5_vl": "qwen2.5-vl",
        "qwen3_vl": "qwen3-vl",
    }.get(str(config.get("model_type")))


def load_model(
    source: str | os.PathLike,
    device: str | None = None,
    dtype: str | None = None,
    attn_implementation: str = "sdpa",
    status: Callable[[str], None] | None = None,
    quantize: str = "none",
    frame_tokens: int | None = VIDEO_FRAME_TOKENS,
):
    """Load a model for streaming; returns its family's ``VisionLanguageModel`` adapter.
    ``frame_tokens``: Qwen-VL frames are capped at this many tokens (the video budget; None or 0:
    the checkpoint's own pixel budget, set for images)."""
    disable_telemetry()  # library callers skip the entry points; transformers reads it at import
    from .device import resolve_device, resolve_dtype
    from .llava_next import load_llava_next

    report = status or (lambda message: log.info(message))
    folder = resolve_model_folder(source)
    torch_device = resolve_device(device)
    torch_dtype = resolve_dtype(dtype, torch_device)
    try:
        config = json.loads((folder / "config.json").read_text())
    except (OSError, ValueError) as error:
        raise ModelLoadError(f"cannot read {folder / 'config.json'}: {error}") from None
    family = family_of(config)
    if family is None:
        raise ModelLoadError(
            f"{folder}: unsupported model type {config.get('model_type')!r}; VideoScan runs "
            f"{', '.join(SUPPORTED_FAMILIES)} checkpoints"
        )
    if family == "smolvlm2":
        _require_files(folder, family, ("preprocessor_config.json",))
    qwen_frames = qwen_look = None
    if family in QWEN_FAMILIES:  # read (and name a missing processor file) before the weights
        from .closer_look import image_budget
        from .qwen_preprocess import QwenFrameProcessor, read_image_processor_json

        qwen_frames = QwenFrameProcessor.from_folder(folder, family, frame_tokens)
        image = QwenFrameProcessor.for_family(family, read_image_processor_json(folder))
        qwen_look = image_budget(image)
    report(f"Loading tokenizer from {folder}")
    tokenizer = _load_tokenizer(folder)
    report(f"Loading weights ({torch_dtype}, {torch_device})")
    newline = "none"
    try:
        with _no_library_progress_bar():
            if family == "llava-video":
                model, newline = load_llava_next(
                    folder, config, tokenizer, torch_dtype, torch_device
                )
            else:
                model = _load_pretrained(
                    _CLASSES[family], folder, torch_dtype, torch_device, attn_implementation
                )
    except (ModelLoadError, ModelNotFoundError):
        raise
    except (OSError, ValueError, RuntimeError, KeyError) as error:
        raise ModelLoadError(f"cannot load the model in {folder}: {first_line(error)}") from error
    except Exception as error:
        if type(error).__name__ != "SafetensorError":  # safetensors' own (not an OSError)
            raise
        raise ModelLoadError(
            f"the weights in {folder} are damaged ({first_line(error)}); "
            "download or copy the model again"
        ) from error
    if quantize not in ("none", "int8"):
        raise ModelLoadError(f"unknown quantisation {quantize!r}; use none or int8")
    settings = read_model_settings(folder)
    if qwen_frames is not None:
        vlm = _qwen_adapter(family, model, tokenizer, qwen_frames, str(source), qwen_look)
    elif family == "smolvlm2":
        from .smolvlm import SmolVLMModel

        size = int(model.config.vision_config.image_size)

        preprocessor = FramePreprocessor.from_folder(folder, size, resample=1)  # LANCZOS default
        vlm = SmolVLMModel(model, tokenizer, preprocessor=preprocessor, source=str(source))
    else:
        from .llava_onevision import LlavaOnevisionModel

        size = int(model.config.vision_config.image_size)
        vlm = LlavaOnevisionModel(
            model,
            tokenizer,
            preprocessor=FramePreprocessor.from_folder(folder, size),
            newline=settings.get("newline", newline),  # a trained LLaVA-Video in OV format
            source=str(source),
            time_instruction=bool(settings.get("time_instruction", True)),
        )
    if settings.get("lora"):  # LoRA kept beside the weights: plain text runs without it
        _attach_lora(vlm, folder, settings["lora"])
    # the VideoScan training marker: without it, presets.recommended_config is training-free
    vlm.videoscan_trained = (folder / MODEL_SETTINGS_FILE).is_file()
    if quantize == "int8":
        from .quantize import quantize_language_model

        report("Quantising the language model to int8")
        quantize_language_model(model, vlm.decoder.layers)
    return vlm


def _attach_lora(vlm, folder: Path, settings: dict) -> None:
    from .lora import LORA_FILE, LoraSettings, attach_lora

    try:
        attach_lora(vlm.decoder, LoraSettings.from_json(settings), folder / LORA_FILE)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ModelLoadError(f"cannot load the LoRA adapters in {folder}: {error}") from None
    vlm.lora_module = vlm.decoder


_CLASSES = {
    "llava-onevision": "LlavaOnevisionForConditionalGeneration",
    "smolvlm2": "SmolVLMForConditionalGeneration",
    "qwen2.5-vl": "Qwen2_5_VLForConditionalGeneration",
    "qwen3-vl": "Qwen3VLForConditionalGeneration",
}


def _qwen_adapter(family: str, model, tokenizer, frames, source: str, look=None):
    """The Qwen2.5-VL / Qwen3-VL adapter (it refuses sliding-window language models)."""
    from .qwen2_5_vl import Qwen25VLModel
    from .qwen3_vl import Qwen3VLModel

    adapter = Qwen3VLModel if family == "qwen3-vl" else Qwen25VLModel
    return adapter(model, tokenizer, frames=frames, source=source, look=look)


def _require_files(folder: Path, family: str, names: tuple[str, ...]) -> None:
    for name in names:
        if not (folder / name).is_file():
            raise ModelLoadError(
                f"{folder} has no {name}, which a {family} checkpoint needs; download the whole "
                "model repository"
            )


MODEL_SETTINGS_FILE = "videoscan.json"


def read_model_settings(folder: Path) -> dict:
    """How a model was trained, from ``videoscan.json`` next to its weights (optional):
    ``{"time_instruction": false}`` for models trained without LLaVA-Video's time instruction."""
    path = Path(folder) / MODEL_SETTINGS_FILE
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text())
    except ValueError as error:
        raise ModelLoadError(f"{path} is not valid JSON: {error}") from None


TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.json")


def _load_tokenizer(folder: Path):
    from transformers import AutoTokenizer

    if not any((folder / name).is_file() for name in TOKENIZER_FILES):
        raise ModelLoadError(
            f"{folder} has no tokenizer ({' or '.join(TOKENIZER_FILES)}); download the whole "
            "model repository"
        )
    try:
        return AutoTokenizer.from_pretrained(folder, local_files_only=True)
    except (OSError, ValueError) as error:
        raise ModelLoadError(f"cannot load the tokenizer in {folder}: {error}") from None


def _load_pretrained(class_name: str, folder: Path, dtype, device, attn_implementation: str):
    import transformers

    return getattr(transformers, class_name).from_pretrained(
        folder,
        dtype=dtype,
        device_map={"": str(device)},
        local_files_only=True,
        attn_implementation=attn_implementation,
    )


@contextlib.contextmanager
def _no_library_progress_bar():
    """transformers' "Loading weights" bar is not ours to print (the app, the Python API); the
    caller's setting is restored."""
    from transformers.utils import logging as hf_logging

    shown = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if shown:
            hf_logging.enable_progress_bar()
