"""A model is checked before switching to it: folder, config, family, weights, tokenizer."""

from __future__ import annotations

import json
import shutil

import pytest

from videoscan_core.adapters.model_check import check_model, device_problem, installed_models
from videoscan_core.errors import ModelLoadError, ModelNotFoundError
from videoscan_core.paths import DEMO_MODEL_ID


def test_a_complete_folder_and_the_demo_pass(tiny_model_dir):
    assert check_model(str(tiny_model_dir)).family == "llava-onevision"
    assert check_model(DEMO_MODEL_ID).folder.is_dir()


@pytest.mark.parametrize(
    "keep, expected",
    [
        ((), "has no config.json"),
        (("config.json",), "has no weights"),
        (("config.json", "model.safetensors"), "has no tokenizer"),
    ],
)
def test_incomplete_folders_are_named_in_plain_words(tiny_model_dir, tmp_path, keep, expected):
    folder = tmp_path / "partial"
    folder.mkdir()
    for name in keep:
        shutil.copy(tiny_model_dir / name, folder / name)
    with pytest.raises((ModelNotFoundError, ModelLoadError), match=expected) as raised:
        check_model(str(folder))
    assert "--" not in str(raised.value) and "sentencepiece" not in str(raised.value)


def test_an_unsupported_family_is_refused(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(ModelLoadError, match="bert model, which VideoScan cannot run"):
        check_model(str(tmp_path))


def test_hub_ids_come_from_the_local_cache_only(tiny_model_dir, tmp_path, monkeypatch):
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(ModelNotFoundError, match="not downloaded yet"):
        check_model("someone/video-model")
    repo = tmp_path / "models--someone--video-model"
    shutil.copytree(tiny_model_dir, repo / "snapshots" / "abc123")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("abc123")
    (tmp_path / "models--someone--text-only" / "snapshots" / "def").mkdir(parents=True)
    assert check_model("someone/video-model").folder == repo / "snapshots" / "abc123"
    assert [found.source for found in installed_models()] == ["someone/video-model"]


def test_devices_that_are_not_here_are_explained():
    import torch

    assert device_problem("cpu") is None and device_problem("auto") is None
    if not torch.cuda.is_available():
        problem = device_problem("cuda")
        assert "no CUDA GPU" in problem and "--device" not in problem
