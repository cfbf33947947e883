"""Where the bundled files are: the resources folder, the demo model and its one id.

Contract: no imports beyond the standard library, so any module (loading, the catalogue, the app)
can ask for bundled paths without pulling in the engine. ``resources_folder()`` is the repository's
``resources/`` (or, inside a PyInstaller bundle, the one next to the executable);
``bundled_demo_model()`` is the demo model's folder (or ``$VIDEOSCAN_DEMO_MODEL``), or None when it
is missing. ``DEMO_MODEL_ID`` is the name users and settings use for it; ``MODEL_HELP`` is how
every command's ``--model`` help says what it takes.
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


def bundled_demo_model() -> Path | None:
    override = os.environ.get("VIDEOSCAN_DEMO_MODEL")
    folder = Path(override) if override else resources_folder() / "models" / DEMO_MODEL_ID
    return folder if (folder / "config.json").is_file() else None
