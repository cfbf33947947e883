"""Training-free defaults: chosen for checkpoints without the VideoScan training marker."""

from __future__ import annotations

import json
from types import SimpleNamespace

from videoscan_core.adapters.presets import recommended_config
from videoscan_core.config import EngineConfig


def test_untrained_checkpoints_get_their_familys_training_free_preset():
    smol = SimpleNamespace(family="smolvlm2", videoscan_trained=False)
    config = recommended_config(smol, EngineConfig(memory_size=32))
    assert (config.recent_frames, config.position_mode, config.memory_size) == (4, "sliding", 32)
    llava = SimpleNamespace(family="llava-video", videoscan_trained=False)
    assert recommended_config(llava).recent_frames == 1


def test_trained_checkpoints_and_explicit_choices_are_left_alone():
    trained = SimpleNamespace(family="smolvlm2", videoscan_trained=True)
    base = EngineConfig(position_mode="compact")
    assert recommended_config(trained, base) == base
    untrained = SimpleNamespace(family="smolvlm2", videoscan_trained=False)
    config = recommended_config(
        untrained, EngineConfig(position_mode="monotonic"), given={"position_mode"}
    )
    assert config.position_mode == "monotonic" and config.recent_frames == 4


def test_load_model_reads_the_training_marker(tiny_model_dir, tmp_path):
    import shutil

    from videoscan_core.adapters import load_model

    assert load_model(tiny_model_dir, device="cpu").videoscan_trained is False
    trained = tmp_path / "trained"
    shutil.copytree(tiny_model_dir, trained)
    (trained / "videoscan.json").write_text(json.dumps({"time_instruction": False}))
    model = load_model(trained, device="cpu")
    assert model.videoscan_trained is True
    assert recommended_config(model).position_mode == "compact"


def test_the_apps_settings_keep_what_the_user_chose_and_get_the_preset_elsewhere():
    from videoscan_core.adapters.presets import config_for, fields_set_by_user

    untrained = SimpleNamespace(family="smolvlm2", videoscan_trained=False)
    assert fields_set_by_user(EngineConfig(memory_size=16)) == frozenset()
    config = config_for(untrained, EngineConfig(memory_size=16))
    assert (config.recent_frames, config.position_mode, config.memory_size) == (4, "sliding", 16)
    chosen = EngineConfig(recent_frames=1, keep_topk=2)
    assert fields_set_by_user(chosen) == {"recent_frames", "keep_topk"}
    config = config_for(untrained, chosen)
    assert (config.recent_frames, config.keep_topk, config.position_mode) == (1, 2, "sliding")
    trained = SimpleNamespace(family="smolvlm2", videoscan_trained=True)
    assert config_for(trained, chosen) == chosen


def test_untrained_weights_keep_native_visual_tokens_per_remembered_frame():
    """VideoScan+ in the training-free preset: what untrained weights can read of a remembered
    frame are their own visual tokens, the top-k its carrier attended to."""
    from videoscan_core.adapters.families import FAMILIES
    from videoscan_core.adapters.presets import training_free_settings

    for family in FAMILIES:
        assert training_free_settings(family.name)["keep_topk"] == family.keep_topk >= 8


def test_every_catalogued_models_memory_fits_the_stated_budget():
    from videoscan_core.hub.catalogue import CATALOGUE
    from videoscan_core.hub.frame_cost import CACHE_BUDGET, frame_cost

    costs = {e.id: frame_cost(e) for e in CATALOGUE if e.kind == "vision" and not e.bundled}
    assert all(costs.values()), [name for name, cost in costs.items() if cost is None]
    for name, cost in costs.items():
        assert cost.cache_bytes <= CACHE_BUDGET, name
        assert f"top {cost.keep_topk} visual tokens" in cost.line()


def test_the_training_free_memory_stays_within_its_entries(random_frames):
    """However long the stream, the cache holds at most what limits.cache_entries counts
    (carriers with their top-k and time text, the recent window)."""
    from videoscan_core.adapters.smolvlm import SmolVLMModel
    from videoscan_core.limits import cache_entries
    from videoscan_core.stream.engine import StreamingEngine
    from videoscan_core.tiny.smolvlm import build_tiny_smolvlm

    vlm = SmolVLMModel(*build_tiny_smolvlm(seed=0))
    config = recommended_config(vlm, EngineConfig(memory_size=4))
    assert config.keep_topk == vlm.tokens_per_frame // 4 and config.position_mode == "sliding"
    engine = StreamingEngine(vlm, config)
    bound = cache_entries(config, vlm.tokens_per_frame, vlm.time_entries())
    for k, frame in enumerate(random_frames(14, seed=5)):
        engine.add_frame(frame, float(k))
        assert engine.cache.length <= bound
    remembered = [b for b in engine.layout.blocks if b.visual == "selected"]
    assert remembered and all(b.size == 1 + config.keep_topk + b.time for b in remembered)
    assert all(b.time for b in remembered)
