"""Finding and loading a model: a local folder or a Hugging Face hub id.

Contract: ``resolve_model_folder(source)`` returns a local folder holding ``config.json``: the
folder itself, or the hub snapshot (downloaded if allowed, from the cache when
``HF_HUB_OFFLINE=1``). ``load_model(source, device, dtype)`` returns a ready
``VisionLanguageModel`` for LLaVA-OneVision checkpoints in transformers format and for
LLaVA-NeXT-layout checkpoints (LLaVA-Video). Failures raise ``ModelNotFoundError`` /
``ModelLoadError`` with a one-line message.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

from ..errors import ModelLoadError, ModelNotFoundError
from ..hub.offline import hub_offline
from ..paths import DEMO_MODEL_ID, bundled_demo_model
from ..privacy import disable_telemetry
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
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import (
        GatedRepoError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
    )

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
    except GatedRepoError:
        raise ModelNotFoundError(
            f"model {repo_id} is gated: accept its licence on huggingface.co and log in "
            "(`hf auth login`)"
        ) from None
    except RepositoryNotFoundError:
        raise ModelNotFoundError(f"no model named {repo_id} on the Hugging Face hub") from None
    except OSError as error:  # connection problems surface as OSError subclasses
        raise ModelNotFoundError(f"could not fetch {repo_id}: {error}") from None
    path = Path(folder)
    if not (path / "config.json").is_file():
        raise ModelNotFoundError(f"{repo_id} has no config.json; is it a model repository?")
    return path


def load_model(
    source: str | os.PathLike,
    device: str | None = None,
    dtype: str | None = None,
    attn_implementation: str = "sdpa",
    status: Callable[[str], None] | None = None,
    quantize: str = "none",
):
    """Load a model for streaming; returns a ``VisionLanguageModel``."""
    disable_telemetry()  # library callers skip the entry points; transformers reads it at import
    from .device import resolve_device, resolve_dtype
    from .llava_next import is_llava_next_layout, load_llava_next
    from .llava_onevision import VisionLanguageModel

    report = status or (lambda message: log.info(message))
    folder = resolve_model_folder(source)
    torch_device = resolve_device(device)
    torch_dtype = resolve_dtype(dtype, torch_device)
    try:
        config = json.loads((folder / "config.json").read_text())
    except (OSError, ValueError) as error:
        raise ModelLoadError(f"cannot read {folder / 'config.json'}: {error}") from None
    report(f"Loading tokenizer from {folder}")
    tokenizer = _load_tokenizer(folder)
    report(f"Loading weights ({torch_dtype}, {torch_device})")
    newline = "none"
    try:
        if is_llava_next_layout(config):
            model, newline = load_llava_next(folder, config, tokenizer, torch_dtype, torch_device)
        elif config.get("model_type") == "llava_onevision":
            model = _load_onevision(folder, torch_dtype, torch_device, attn_implementation)
        else:
            raise ModelLoadError(
                f"{folder}: unsupported model type {config.get('model_type')!r}; VideoScan runs "
                "LLaVA-OneVision and LLaVA-Video checkpoints"
            )
    except (ModelLoadError, ModelNotFoundError):
        raise
    except (OSError, ValueError, RuntimeError, KeyError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise ModelLoadError(f"cannot load the model in {folder}: {first_line}") from error
    if quantize == "int8":
        from .quantize import quantize_language_model

        report("Quantising the language model to int8")
        quantize_language_model(model)
    elif quantize != "none":
        raise ModelLoadError(f"unknown quantisation {quantize!r}; use none or int8")
    size = int(model.config.vision_config.image_size)
    preprocessor = FramePreprocessor.from_folder(folder, size)
    settings = read_model_settings(folder)
    return VisionLanguageModel(
        model,
        tokenizer,
        preprocessor=preprocessor,
        newline=newline,
        source=str(source),
        time_instruction=bool(settings.get("time_instruction", True)),
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


def _load_tokenizer(folder: Path):
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(folder, local_files_only=True)
    except (OSError, ValueError) as error:
        raise ModelLoadError(f"cannot load the tokenizer in {folder}: {error}") from None


def _load_onevision(folder: Path, dtype, device, attn_implementation: str):
    from transformers import LlavaOnevisionForConditionalGeneration

    return LlavaOnevisionForConditionalGeneration.from_pretrained(
        folder,
        dtype=dtype,
        device_map={"": str(device)},
        local_files_only=True,
        attn_implementation=attn_implementation,
    )
