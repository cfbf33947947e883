"""The demo model's tracked parts and its assembly with the base language model.

Where it is found: a whole model in resources/models/videoscan-demo (an installed bundle, or the
previous model in a checkout) wins; else the folder set-up assembled. Assembled from parts
(slow: real SmolLM2), it loads with its vision tower and LoRA adapters as trained.
"""

from __future__ import annotations

import pytest
import torch

from videoscan_core import paths


def test_the_demo_model_is_the_whole_model_in_resources_else_the_assembled_one(
    tmp_path, monkeypatch
):
    parts, assembled = tmp_path / "resources-demo", tmp_path / "assembled"
    monkeypatch.delenv("VIDEOSCAN_DEMO_MODEL", raising=False)
    monkeypatch.setattr(paths, "demo_parts_folder", lambda: parts)
    monkeypatch.setattr(paths, "assembled_demo_folder", lambda: assembled)
    parts.mkdir()
    (parts / "videoscan-demo-parts.safetensors").write_bytes(b"parts")
    assert paths.bundled_demo_model() is None  # parts alone are no model
    assembled.mkdir()
    (assembled / "config.json").write_text("{}")
    assert paths.bundled_demo_model() == assembled
    (parts / "config.json").write_text("{}")
    assert paths.bundled_demo_model() == parts


@pytest.mark.slow
def test_parts_assemble_into_a_model_that_loads_as_trained(tmp_path, smollm2_model_dir):
    from videoscan_core.adapters import load_model
    from videoscan_core.adapters.lora import lora_state
    from videoscan_core.demo_model import assemble, assembled_ok, save_parts
    from videoscan_core.smollm2 import base_lm_folder
    from videoscan_core.smollm2_vlm import VISION
    from videoscan_core.train.demo_trainer import LORA, SEED, build

    vlm = build(base_lm_folder(), "cpu")
    with torch.no_grad():
        for tensor in [*lora_state(vlm.decoder).values(), vlm.model.model.connector
                       .modality_projection.proj.weight]:
            tensor.normal_(0, 0.02)
    parts = save_parts(vlm, tmp_path / "parts", LORA, VISION, SEED)
    target = assemble(parts, base_lm_folder(), tmp_path / "model")
    assert assembled_ok(target, parts)
    loaded = load_model(target, device="cpu")
    assert loaded.lora_module is loaded.decoder
    for name, tensor in lora_state(vlm.decoder).items():
        torch.testing.assert_close(lora_state(loaded.decoder)[name], tensor)
    torch.testing.assert_close(loaded.model.model.connector.modality_projection.proj.weight,
                               vlm.model.model.connector.modality_projection.proj.weight)
    (parts / "videoscan-demo-parts.safetensors").write_bytes(b"other parts")
    assert not assembled_ok(target, parts)
