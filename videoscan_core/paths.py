"""Where the bundled files are: the resources folder, the demo model and its one id.

Contract: no imports beyond the standard library, so any module (loading, the catalogue, the app)
can ask for bundled paths without pulling in the engine. ``resources_folder()`` is the repository's
``resources/`` (or, inside a PyInstaller bundle, the one next to the executable);
``bundled_demo_model()`` is the demo model's folder (or ``$VIDEOSCAN_DEMO_MODEL``), or None when it
is missing: ``resources/models/videoscan-demo`` when it holds a whole model (in an installed
bundle, where packaging puts the assembled model), else the folder set-up assembles from the
trained parts tracked there and the base language model (``assembled_demo_folder()``, under the
repository's gitignored ``.cache/``). ``DEMO_MODEL_ID`` is the name users and settings use for it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DEMO_MODEL_ID = "videoscan-demo"
MODEL_HELP = (
    f"model folder, Hugging Face hub id or catalogue id ({DEMO_MODEL_ID}: the bundled demo "
    "model; 'videoscan models list' shows the others)"
)


def resources_folder() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[1] / "resources"


def demo_parts_folder() -> Path:
    """Tracked: the demo model's trained parts and its card (no config.json of its own)."""
    return resources_folder() / "models" / DEMO_MODEL_ID


def assembled_demo_folder() -> Path:
    """Where set-up assembles the demo model in a source checkout (gitignored)."""
    return Path(__file__).resolve().parents[1] / ".cache" / "models" / DEMO_MODEL_ID


def bundled_demo_model() -> Path | None:
    override = os.environ.get("VIDEOSCAN_DEMO_MODEL")
    candidates = [Path(override)] if override else [demo_parts_folder(), assembled_demo_folder()]
    for folder in candidates:
        if (folder / "config.json").is_file():
            return folder
    return None
