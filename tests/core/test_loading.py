"""Model loading: our tiny folder, a LLaVA-NeXT-layout checkpoint, and clear errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from videoscan_core.adapters import load_model
from videoscan_core.adapters.llava_next import is_llava_next_layout
from videoscan_core.config import EngineConfig
from videoscan_core.errors import ModelLoadError, ModelNotFoundError
from videoscan_core.stream.engine import StreamingEngine
from videoscan_core.tiny.llava import write_llava_next_checkpoint


def test_tiny_folder_loads_and_matches_in_memory_model(tiny_model_dir, tiny_vlm, random_frames):
    vlm = load_model(tiny_model_dir, device="cpu")
    assert vlm.dtype == torch.float32 and vlm.tokens_per_frame == 9
    frame = random_frames(1)[0]
    with torch.inference_mode():
        loaded = vlm.encode_frames(vlm.preprocess([frame]))
        built = tiny_vlm.encode_frames(tiny_vlm.preprocess([frame]))
    assert torch.equal(loaded, built)  # same seed, same weights, same preprocessing


def test_preprocessing_matches_a_direct_computation(tiny_vlm):
    frame = (torch.arange(20 * 30 * 3) % 256).reshape(20, 30, 3).to(torch.uint8).numpy()
    pixels = tiny_vlm.preprocess([frame])[0]
    from PIL import Image

    resized = Image.fromarray(frame).resize((35, 35), Image.Resampling.BICUBIC)
    expected = (
        torch.tensor(list(resized.get_flattened_data()), dtype=torch.float32) / 255 - 0.5
    ) / 0.5
    assert torch.allclose(pixels.permute(1, 2, 0).reshape(-1, 3), expected, atol=1e-6)


def test_llava_next_checkpoint_is_remapped_with_per_row_newlines(tmp_path, tiny_vlm):
    write_llava_next_checkpoint(tmp_path, tiny_vlm.model, tiny_vlm.tokenizer)
    assert is_llava_next_layout(json.loads((tmp_path / "config.json").read_text()))
    vlm = load_model(tmp_path, device="cpu")
    assert vlm.newline == "grid"
    assert vlm.tokens_per_frame == 3 * 4  # p * (p + 1): 14 * 15 = 210 at 384 px
    original = tiny_vlm.model.state_dict()
    for key, value in vlm.model.state_dict().items():
        assert torch.equal(value, original[key]), key
    pixels = torch.randn(2, 3, 35, 35)
    with torch.inference_mode():
        tokens = vlm.encode_frames(pixels)  # [2, 12, D]
        plain = tiny_vlm.encode_frames(pixels)  # [2, 9, D]
    rows = tokens.view(2, 3, 4, -1)
    assert torch.equal(rows[:, :, :3].reshape(2, 9, -1), plain)
    newline = tiny_vlm.model.model.image_newline
    assert torch.equal(rows[:, :, 3], newline.expand(2, 3, -1))
    engine = StreamingEngine(vlm, EngineConfig(memory_size=2))
    event = engine.add_frame((pixels[0].permute(1, 2, 0) * 50 + 128).byte().numpy(), 0.0)
    assert event.cache_entries == engine.layout.system + 1


def test_llava_next_without_tower_config_is_a_clear_error(tmp_path, tiny_vlm):
    write_llava_next_checkpoint(tmp_path, tiny_vlm.model, tiny_vlm.tokenizer)
    config = json.loads((tmp_path / "config.json").read_text())
    config["mm_vision_tower"] = "someone/unknown-tower"
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelLoadError, match="unknown vision tower"):
        load_model(tmp_path, device="cpu")


def test_missing_and_empty_model_folders(tmp_path):
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        load_model(tmp_path / "nothing")
    with pytest.raises(ModelNotFoundError, match="no config.json"):
        load_model(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    (tmp_path / "tokenizer_config.json").write_text("{}")
    with pytest.raises((ModelLoadError, ModelNotFoundError)):
        load_model(tmp_path)


def test_hub_model_missing_offline_is_a_clear_error(tmp_path):
    code = (
        "from videoscan_core.adapters import load_model\n"
        "load_model('llava-hf/llava-onevision-qwen2-0.5b-ov-hf')\n"
    )
    env = {"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "ModelNotFoundError" in result.stderr and "HF_HUB_OFFLINE=1" in result.stderr
