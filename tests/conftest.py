"""Shared fixtures: tiny models built offline, Qt offscreen by default."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest_plugins = ["tests.app_fixtures", "tests.child_processes"]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def tiny_vlm():
    """A tiny random LLaVA-OneVision (SDPA attention) wrapped for the engine."""
    from videoscan_core.adapters.llava_onevision import VisionLanguageModel
    from videoscan_core.tiny.llava import build_tiny_model

    model, tokenizer = build_tiny_model(seed=0, attn="sdpa")
    return VisionLanguageModel(model, tokenizer)


@pytest.fixture(scope="session")
def tiny_vlm_eager():
    """The same weights with eager attention."""
    from videoscan_core.adapters.llava_onevision import VisionLanguageModel
    from videoscan_core.tiny.llava import build_tiny_model

    model, tokenizer = build_tiny_model(seed=0, attn="eager")
    return VisionLanguageModel(model, tokenizer)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """A tiny model saved to disk, as ``videoscan make-tiny-model`` writes it."""
    from videoscan_core.tiny.llava import make_tiny_model

    return make_tiny_model(tmp_path_factory.mktemp("models") / "tiny")


@pytest.fixture
def random_frames():
    """Deterministic random RGB frames of a given count."""
    import numpy as np

    def make(count: int, seed: int = 0, size: tuple[int, int] = (48, 64)):
        rng = np.random.default_rng(seed)
        return [rng.integers(0, 256, (*size, 3), dtype=np.uint8) for _ in range(count)]

    return make


@pytest.fixture(scope="session")
def smollm2_model_dir():
    """The SmolVLM2 test model on the real SmolLM2-135M-Instruct (random vision tower), written
    by ``scripts/setup.sh``; tests that need it skip, saying why, when set-up could not fetch it."""
    from videoscan_core.smollm2_vlm import test_model_folder

    folder = test_model_folder()
    if folder is None:
        pytest.skip(
            "the SmolLM2 test model is missing: run scripts/setup.sh once with network access "
            "(python -m videoscan_core.model_setup)"
        )
    return folder


@pytest.fixture(scope="session")
def smollm2_vlm(smollm2_model_dir):
    """That model loaded for the engine (``SmolVLMModel``, float32, CPU); shared: read only."""
    from videoscan_core.adapters import load_model

    return load_model(smollm2_model_dir, device="cpu")
