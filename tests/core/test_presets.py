"""Training-free defaults: chosen for checkpoints without the VideoScan training marker."""

from __future__ import annotations

import json
from types import SimpleNamespace

from videoscan_core.config import EngineConfig
from videoscan_core.presets import recommended_config


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
    from videoscan_core.presets import config_for, fields_set_by_user

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
