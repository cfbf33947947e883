"""Checking a model before switching to it, and finding the models already on this machine.

Contract: ``check_model(source)`` looks at a model folder or a hub id without loading weights and
without the network: the folder (or the hub id's snapshot in the local Hugging Face cache) must
hold a readable ``config.json`` of a supported family, weights (``*.safetensors`` / ``*.bin``), a
tokenizer and, for families that need one, ``preprocessor_config.json``. It returns a
``ModelCheck`` (folder, family) or raises ``ModelNotFoundError`` / ``ModelLoadError`` with one line
for people (no command-line flags). ``installed_models()`` lists the hub models in the local cache
that pass the check. ``available_devices()`` names the devices torch can use here (imports torch:
call it off the GUI thread). Fast: a few file reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelLoadError, ModelNotFoundError
from ..paths import DEMO_MODEL_ID, bundled_demo_model
from .loading import SUPPORTED_FAMILIES, TOKENIZER_FILES, family_of, looks_like_hub_id

WEIGHT_PATTERNS = ("*.safetensors", "*.bin", "*.safetensors.index.json")
NEEDS_PROCESSOR_FILE = ("smolvlm2", "qwen2.5-vl", "qwen3-vl")


@dataclass(frozen=True)
class ModelCheck:
    source: str  # as given
    folder: Path
    family: str


def check_model(source: str) -> ModelCheck:
    """Check ``source`` (folder, hub id or the demo id) without loading it."""
    source = str(source).strip()
    if not source:
        raise ModelNotFoundError("no model given")
    folder = _local_folder(source)
    config_path = folder / "config.json"
    if not config_path.is_file():
        raise ModelNotFoundError(
            f"{short_name(source)} is not a model folder: it has no config.json"
        )
    try:
        config = json.loads(config_path.read_text())
    except (OSError, ValueError):
        raise ModelLoadError(f"the config.json of {short_name(source)} cannot be read") from None
    family = family_of(config) if isinstance(config, dict) else None
    if family is None:
        kind = config.get("model_type", "unknown") if isinstance(config, dict) else "unknown"
        raise ModelLoadError(
            f"{_name(source)} is a {kind} model, which VideoScan cannot run "
            f"(it runs {', '.join(SUPPORTED_FAMILIES)})"
        )
    if not any(any(folder.glob(pattern)) for pattern in WEIGHT_PATTERNS):
        raise ModelLoadError(f"{_name(source)} has no weights: the download is incomplete")
    if not any((folder / name).is_file() for name in (*TOKENIZER_FILES, "tokenizer.model")):
        raise ModelLoadError(f"{_name(source)} has no tokenizer: the download is incomplete")
    if family in NEEDS_PROCESSOR_FILE and not (folder / "preprocessor_config.json").is_file():
        raise ModelLoadError(
            f"{_name(source)} has no preprocessor_config.json: the download is incomplete"
        )
    return ModelCheck(source, folder, family)


def _name(source: str) -> str:
    return "The demo model" if source == DEMO_MODEL_ID else f"The model {short_name(source)}"


def short_name(source: str) -> str:
    """How a model is named in one line: the demo, a hub id, or a folder's own name."""
    if source == DEMO_MODEL_ID:
        return "the demo model"
    if looks_like_hub_id(source) and not Path(source).expanduser().exists():
        return source
    return Path(source).expanduser().name or source


def _local_folder(source: str) -> Path:
    if source == DEMO_MODEL_ID:
        folder = bundled_demo_model()
        if folder is None:
            raise ModelNotFoundError("the demo model is missing from this installation")
        return folder
    path = Path(source).expanduser()
    if path.exists():
        if not path.is_dir():
            raise ModelNotFoundError(f"{path.name} is a file; choose the model's folder")
        return path
    if not looks_like_hub_id(source):
        raise ModelNotFoundError(f"the model folder {source} does not exist")
    snapshot = _cached_snapshot(source)
    if snapshot is None:
        raise ModelNotFoundError(f"{source} is not downloaded yet: download it in Models first")
    return snapshot


def _cached_snapshot(repo_id: str) -> Path | None:
    """The local snapshot of a hub model (no network), or None."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    found = try_to_load_from_cache(repo_id, "config.json")
    return Path(found).parent if isinstance(found, str) else None


def installed_models() -> list[ModelCheck]:
    """Hub models in the local Hugging Face cache that VideoScan can run, by name."""
    try:
        from huggingface_hub import constants, scan_cache_dir
        from huggingface_hub.errors import CacheNotFound
    except ImportError:
        return []
    try:
        cache = scan_cache_dir(constants.HF_HUB_CACHE)  # (as set now, like the loaders)
    except (CacheNotFound, OSError, ValueError):
        return []
    found = []
    for repo in cache.repos:
        if repo.repo_type != "model":
            continue
        try:
            found.append(check_model(repo.repo_id))
        except (ModelNotFoundError, ModelLoadError):
            continue
    return sorted(found, key=lambda check: check.source.lower())


def available_devices() -> list[str]:
    """``cpu`` plus ``cuda`` / ``mps`` when torch can use them here."""
    import torch

    from .device import mps_available

    devices = ["cpu"]
    if torch.cuda.is_available():
        devices.append("cuda")
    if mps_available():
        devices.append("mps")
    return devices


def device_problem(name: str) -> str | None:
    """Why ``name`` (a settings device: auto, cpu, cuda, cuda:N, mps) cannot be used here, in
    the app's words; None when it can."""
    import torch

    kind = name.split(":")[0]
    if kind in ("auto", "cpu", "") or kind in available_devices():
        if kind == "cuda" and ":" in name and int(name.split(":")[1]) >= torch.cuda.device_count():
            return f"this computer has no GPU number {name.split(':')[1]}; choose another device"
        return None
    if kind == "cuda":
        return "this computer has no CUDA GPU; choose the CPU (or Automatic) as the device"
    if kind == "mps":
        return "this computer has no Apple GPU; choose the CPU (or Automatic) as the device"
    return f"unknown device {name}"
