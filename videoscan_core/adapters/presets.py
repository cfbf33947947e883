"""Which engine settings suit a checkpoint: trained the VideoScan way, or not (training-free).

Contract: a checkpoint trained by ``videoscan train`` carries ``videoscan.json`` next to its
weights (the training marker, ``adapters.loading.MODEL_SETTINGS_FILE``); ``load_model`` records it
as ``model.videoscan_trained``. Untrained weights (every downloaded SmolVLM2, LLaVA-OneVision,
LLaVA-Video or Qwen-VL checkpoint) never saw carriers, so ``training_free_settings(family)`` keeps
what they can read without training: carriers for memory, each with the ``keep_topk`` native
visual tokens its carrier attended to most (VideoScan+) and its frame's time text, plus the last
``recent_frames`` frames in full (their visual tokens and scaffold text, as the model was trained
to see them), with
bounded positions (``sliding``: a full-token stream's positions for the frames in memory, the
best bounded mode for untrained weights on the synthetic benchmark, benchmarks/NOTES.md).
``recommended_config(model, base, given)`` applies them to ``base`` unless the model is
VideoScan-trained, leaving the fields named in ``given`` (set explicitly by the user) alone; top-k
is at most a quarter of the model's visual tokens per frame.

Cost per preset (cache entries kept after a frame step; S system tokens, M carriers, k top-k
entries and c time-text entries per carrier, N visual tokens per frame plus its scaffold text, r
recent frames): S + M (1 + k + c) + r (N + scaffold). Per catalogued model in bytes:
``videoscan models cost``.
"""

from __future__ import annotations

from ..config import EngineConfig
from .families import family as family_facts

# bounded and measured best for weights that never saw carriers (benchmarks/NOTES.md,
# "Position modes"); "compact" stays for weights trained the official way
TRAINING_FREE_POSITIONS = "sliding"


def training_free_settings(family: str) -> dict:
    """EngineConfig fields for untrained weights of ``family`` (its facts:
    ``adapters/families.py``)."""
    facts = family_facts(family)
    return {
        "recent_frames": facts.recent_frames,
        "position_mode": TRAINING_FREE_POSITIONS,
        "keep_topk": facts.keep_topk,
        "carrier": True,
    }


def is_videoscan_trained(model) -> bool:
    return bool(getattr(model, "videoscan_trained", False))


def recommended_config(
    model, base: EngineConfig | None = None, given: frozenset[str] | set[str] = frozenset()
) -> EngineConfig:
    """``base`` for VideoScan-trained weights; otherwise ``base`` with the family's training-free
    settings, except the fields in ``given``."""
    base = base or EngineConfig()
    if is_videoscan_trained(model):
        return base
    settings = training_free_settings(getattr(model, "family", ""))
    tokens = int(getattr(model, "tokens_per_frame", 0) or 0)
    if tokens:  # at most a quarter of a frame (small test models)
        settings["keep_topk"] = min(settings["keep_topk"], max(1, tokens // 4))
    changes = {key: value for key, value in settings.items() if key not in given}
    if not base.carrier and "carrier" in given:  # full-token baseline: no window, no top-k
        changes.pop("recent_frames", None)
        changes.pop("keep_topk", None)
    return base.replace(**changes)


# fields a preset may change, and how the app or CLI tells the user set them (not the default)
PRESET_FIELDS = ("recent_frames", "position_mode", "keep_topk", "carrier")


def fields_set_by_user(config: EngineConfig) -> frozenset[str]:
    """The preset fields of ``config`` that differ from ``EngineConfig()``'s defaults: a value the
    user chose, which a training-free preset must leave alone."""
    default = EngineConfig()
    return frozenset(
        name for name in PRESET_FIELDS if getattr(config, name) != getattr(default, name)
    )


def config_for(model, config: EngineConfig) -> EngineConfig:
    """``config`` as the engine should run it with ``model``: the training-free preset applied to
    the fields the user left at their defaults (unchanged for VideoScan-trained weights)."""
    return recommended_config(model, config, fields_set_by_user(config))
