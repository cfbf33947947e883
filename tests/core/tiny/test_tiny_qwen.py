"""Tiny random Qwen-VL checkpoints: real classes, hub layout, loadable offline."""

from __future__ import annotations

import json

import pytest
import torch

from videoscan_core.tiny.qwen import QWEN_FAMILIES, build_tiny_qwen, make_tiny_qwen


@pytest.mark.parametrize("family", QWEN_FAMILIES)
def test_tiny_checkpoint_round_trips(tmp_path, family):
    from transformers import AutoModelForImageTextToText, AutoTokenizer

    folder = make_tiny_qwen(tmp_path / family, family, seed=3)
    names = {path.name for path in folder.iterdir()}
    assert {"config.json", "model.safetensors", "preprocessor_config.json"} <= names
    assert ("video_preprocessor_config.json" in names) == (family == "qwen3-vl")
    config = json.loads((folder / "config.json").read_text())
    assert config["model_type"] == {"qwen2.5-vl": "qwen2_5_vl", "qwen3-vl": "qwen3_vl"}[family]
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    model = AutoModelForImageTextToText.from_pretrained(folder, local_files_only=True)
    fresh, fresh_tokenizer = build_tiny_qwen(family, seed=3)
    assert type(model) is type(fresh)
    assert tokenizer.get_vocab() == fresh_tokenizer.get_vocab()
    for key, value in fresh.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key
    # the special tokens the scaffolds use sit inside the tiny vocabulary
    vocab = model.config.text_config.vocab_size
    for name in (
        "image_token_id",
        "video_token_id",
        "vision_start_token_id",
        "vision_end_token_id",
    ):
        assert 0 <= getattr(model.config, name) < vocab
    assert tokenizer.convert_tokens_to_ids("<|video_pad|>") == model.config.video_token_id
    # init 0.1: logits of order 1, so a wrong position or mask moves them visibly
    ids = tokenizer("What is on the screen?", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        logits = model(input_ids=ids).logits
    assert logits.abs().max() > 0.5


@pytest.mark.parametrize("family", QWEN_FAMILIES)
def test_make_tiny_model_cli_writes_a_checkpoint_the_engine_streams(tmp_path, family, capsys):
    import numpy as np

    from videoscan_core.adapters.loading import load_model
    from videoscan_core.cli.main import main
    from videoscan_core.config import EngineConfig, GenerationOptions
    from videoscan_core.stream.engine import StreamingEngine

    folder = tmp_path / "tiny"
    assert main(["make-tiny-model", str(folder), "--family", family, "--seed", "2"]) == 0
    assert family in capsys.readouterr().out
    engine = StreamingEngine(load_model(folder, device="cpu"), EngineConfig(memory_size=2))
    rng = np.random.default_rng(0)
    # frames under the minimum pixel budget (and odd shapes) are resized up, never refused
    for index, shape in enumerate([(3, 3, 3), (30, 45, 3), (1, 7, 3), (64, 48, 3)]):
        event = engine.add_frame(rng.integers(0, 256, shape, dtype=np.uint8), index * 0.5)
        assert event.carriers_retained == min(index + 1, 2)
    answer = engine.ask("What is on the screen?", GenerationOptions(max_new_tokens=3))
    assert list(answer)[-1].finished


@pytest.mark.parametrize("family", QWEN_FAMILIES)
def test_missing_processor_file_is_named(tmp_path, family):
    from videoscan_core.adapters.loading import load_model
    from videoscan_core.errors import ModelLoadError

    folder = make_tiny_qwen(tmp_path / "m", family)
    for name in ("preprocessor_config.json", "video_preprocessor_config.json"):
        (folder / name).unlink(missing_ok=True)
    with pytest.raises(ModelLoadError, match="preprocessor_config.json"):
        load_model(folder, device="cpu")


@pytest.mark.parametrize(
    "name,total,vision",
    [("qwen2.5-vl-3b", 3754.6, 668.7), ("qwen3-vl-2b", 2127.5, 407.0)],
)
def test_real_shapes_count_the_published_parameters(name, total, vision):
    """Benchmark geometries: the published checkpoints' counts (tower + mergers), on meta."""
    from videoscan_core.tiny.qwen import build_real_shape_qwen

    model, _ = build_real_shape_qwen(name, device="meta")
    count = sum(p.numel() for p in model.parameters()) / 1e6
    tower = sum(p.numel() for p in model.model.visual.parameters()) / 1e6
    assert round(count, 1) == total
    assert round(tower, 1) == vision
