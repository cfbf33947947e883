"""What the PyInstaller bundle must contain, computed without PyInstaller (so tests can check it).

Contract: ``data_folders(root)`` lists our own data as ``(source, destination)`` pairs;
``TRANSFORMERS_FAMILIES`` the ``transformers.models.*`` packages loaded through auto-mappings
(invisible to PyInstaller's import analysis), which must cover every class ``videoscan_core``
imports from transformers (``transformers_modules_used(root)`` finds them);
``hidden_imports(platform)`` the modules imported lazily or per platform (mss backends, the
window-list backends of the privacy filter, sounddevice, peft); ``METADATA_PACKAGES`` the
distributions whose metadata is read at run time; ``icon(root, platform)`` the icon file.
``videoscan.spec`` turns these into PyInstaller's Analysis; ``tests/packaging`` checks them.
"""

from __future__ import annotations

import re
from pathlib import Path

# Vision-language families the adapters load, and the text/vision backbones their configs name.
TRANSFORMERS_FAMILIES = (
    "llava_onevision",
    "llava_next",
    "qwen2",
    "siglip",
    "qwen2_vl",  # Qwen2.5-VL's image processor lives here
    "qwen2_5_vl",
    "qwen3_vl",
    "smolvlm",
    "llama",  # SmolVLM's text model
    "gpt2",  # the tokenizer class of the tiny SmolVLM
)

METADATA_PACKAGES = (
    "videoscan-desktop", "transformers", "torch", "tokenizers", "safetensors", "huggingface_hub",
    "accelerate", "tqdm", "numpy", "regex", "PySide6-Essentials", "faster-whisper",
    "opencv-python-headless", "filelock", "packaging", "pyyaml", "psutil", "platformdirs",
)

# Imported inside functions or chosen by sys.platform at run time.
_COMMON_HIDDEN = ["sounddevice", "mss", "peft", "psutil", "platformdirs"]
_WINDOWS = "videoscan_core.capture.privacy."  # the window listers, one per platform
_PLATFORM_HIDDEN = {
    "win32": ["mss.windows", "platformdirs.windows", _WINDOWS + "win32_windows"],
    "darwin": ["mss.darwin", "platformdirs.macos", _WINDOWS + "macos_windows", "Quartz", "AppKit"],
    "linux": ["mss.linux", "platformdirs.unix", _WINDOWS + "x11_windows", "Xlib.ext.screensaver"],
}

# Never imported by the app: left out of the bundle (tests/packaging/test_spec.py checks that no
# module the bundle carries imports one, except the eval loaders named in EXCLUDED_USERS).
EXCLUDES = [
    "tkinter", "matplotlib", "IPython", "pytest", "torchvision", "PyQt5", "PyQt6",
    "pyarrow",  # 162 MB, read only by `videoscan eval videomme` (not in the bundle)
]  # fmt: skip
EXCLUDED_USERS = {"pyarrow": ("videoscan_core/eval/formats.py",)}


def platform_key(platform: str) -> str:
    if platform == "win32":
        return "win32"
    if platform == "darwin":
        return "darwin"
    return "linux"


def data_folders(root: Path) -> list[tuple[str, str]]:
    """Our data: icons and the demo model under ``resources/``; where the demo model is
    assembled by set-up from tracked parts (``.cache/models/videoscan-demo``), that whole
    model goes to ``resources/models/videoscan-demo`` in the bundle."""
    folders = [(str(root / "resources"), "resources")]
    assembled = root / ".cache" / "models" / "videoscan-demo"
    if (assembled / "config.json").is_file():
        folders.append((str(assembled), "resources/models/videoscan-demo"))
    return folders


def hidden_imports(platform: str) -> list[str]:
    return _COMMON_HIDDEN + _PLATFORM_HIDDEN[platform_key(platform)]


def icon(root: Path, platform: str) -> Path:
    icons = root / "resources" / "icons"
    key = platform_key(platform)
    return icons / ("videoscan.ico" if key == "win32" else "videoscan.icns")


_DOTTED = re.compile(r"transformers\.models\.(\w+)")
_CLASS_NAME = re.compile(r"\b[A-Z][A-Za-z0-9_]+\b")
_NOT_TRANSFORMERS = {"WhisperModel"}  # faster-whisper's class, same name as transformers' one


def transformers_modules_used(root: Path) -> set[str]:
    """``transformers.models`` packages that ``videoscan_core`` names: dotted imports, and class
    names (imported or written as strings) resolved through transformers' lazy-import table.
    ``auto`` is left out (transformers imports it itself)."""
    import transformers

    table = getattr(transformers, "_class_to_module", {})
    found: set[str] = set()
    for source in (root / "videoscan_core").rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        found.update(_DOTTED.findall(text))
        for name in set(_CLASS_NAME.findall(text)):
            module = "" if name in _NOT_TRANSFORMERS else table.get(name, "")
            if module.startswith("models."):
                found.add(module.split(".")[1])
    return found - {"auto"}
