"""Whether the Hugging Face hub may be contacted: ``hub_offline()`` reads ``HF_HUB_OFFLINE`` at
call time (huggingface_hub itself reads it once, at import), so one switch covers model loading,
speech models and downloads."""

from __future__ import annotations

import os

_TRUE = {"1", "true", "yes", "on"}


def hub_offline() -> bool:
    """True when ``HF_HUB_OFFLINE`` is set to 1/true/yes/on."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in _TRUE
