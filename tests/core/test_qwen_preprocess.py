"""Qwen-VL frame preprocessing equals transformers' own processor code (5.23, no torchvision)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import (
    Qwen2VLImageProcessorPil,
)
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import (
    smart_resize as hf_smart_resize,
)
from transformers.models.qwen3_vl.video_processing_qwen3_vl import (
    Qwen3VLVideoProcessor,
)
from transformers.models.qwen3_vl.video_processing_qwen3_vl import (
    smart_resize as hf_clip_resize,
)

from videoscan_core.adapters.qwen_preprocess import (
    CLIP_STD,
    QwenFrameProcessor,
    smart_resize_clip,
    smart_resize_frame,
)
from videoscan_core.errors import ModelLoadError

SIZES = [
    (1, 1),
    (5, 7),
    (27, 29),
    (56, 56),
    (100, 150),
    (480, 640),
    (719, 1281),
    (1080, 1920),
    (3000, 4000),
    (20, 3000),
]


def _frame(height: int, width: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (height // 4 + 1, width // 4 + 1, 3), dtype=np.uint8)
    smooth = np.asarray(Image.fromarray(base).resize((width, height), Image.Resampling.BILINEAR))
    noise = rng.integers(-20, 21, smooth.shape)
    return np.clip(smooth.astype(int) + noise, 0, 255).astype(np.uint8)


@pytest.mark.parametrize(
    "factor,low,high", [(28, 3136, 12845056), (28, 128 * 784, 768 * 784), (8, 1024, 3072)]
)
def test_per_frame_budget_matches_transformers(factor, low, high):
    for height, width in SIZES:
        ours = smart_resize_frame(height, width, factor, low, high)
        assert ours == hf_smart_resize(height, width, factor, low, high), (height, width)
        assert ours[0] % factor == 0 and ours[1] % factor == 0
        assert ours[0] * ours[1] >= low or ours[0] * ours[1] <= high


@pytest.mark.parametrize(
    "factor,low,high", [(32, 4096, 25165824), (32, 131072, 786432), (8, 2048, 6144)]
)
def test_clip_budget_matches_transformers(factor, low, high):
    for height, width in SIZES:
        ours = smart_resize_clip(2, height, width, factor, low, high)
        assert ours == hf_clip_resize(2, height, width, 2, factor, low, high), (height, width)


def test_patch_rows_match_the_video_processor_layout():
    processor = QwenFrameProcessor.for_family("qwen3-vl")
    frame = _frame(70, 100)
    resized = processor.resize(frame)
    normalised = processor.normalise(resized)
    ours = processor(frame)
    clip = torch.from_numpy(normalised)[None, None].expand(1, 2, -1, -1, -1).contiguous()
    rows, grid_t, grid_h, grid_w = Qwen3VLVideoProcessor.patchify(
        None, clip, patch_size=16, merge_size=2, temporal_patch_size=2
    )
    assert (
        ours.grid_thw
        == (grid_t, grid_h, grid_w)
        == (1, resized.shape[1] // 16, resized.shape[2] // 16)
    )
    assert ours.pixels.shape == (grid_h * grid_w, 3 * 2 * 16 * 16)
    assert np.array_equal(ours.pixels, rows[0].numpy())
    # one frame given once is padded with its own copy: the same rows
    single = torch.from_numpy(normalised)[None, None]
    padded = Qwen3VLVideoProcessor.patchify(
        None, single, patch_size=16, merge_size=2, temporal_patch_size=2
    )[0]
    assert np.array_equal(ours.pixels, padded[0].numpy())


def test_rescale_normalise_patchify_equal_the_image_processor_exactly():
    """Qwen2.5-VL statistics, resize left out: transformers' PIL backend runs the same steps."""
    processor = QwenFrameProcessor.for_family("qwen2.5-vl")
    resized = processor.resize(_frame(100, 150, seed=1))  # [3, 112, 140]
    ours = processor.patchify(processor.normalise(resized))
    reference = Qwen2VLImageProcessorPil(do_resize=False)(
        Image.fromarray(resized.transpose(1, 2, 0)), return_tensors="np"
    )
    assert ours.grid_thw == tuple(reference["image_grid_thw"][0]) == (1, 8, 10)
    assert np.abs(ours.pixels - reference["pixel_values"]).max() < 1e-5


@pytest.mark.parametrize("size", [(100, 150), (480, 640), (33, 47)])
def test_whole_pipeline_is_close_to_the_pil_image_processor(size):
    """The video processors resize with torchvision's antialiased uint8 bicubic, which on CPU is
    the torch kernel we call; transformers' PIL image backend (the one that runs here) uses PIL's
    BICUBIC. The two agree on the grid and differ by a few grey levels on a few pixels (measured:
    at most 5 levels, at 480x640 -> 476x644; mean under 0.3 level)."""
    frame = _frame(*size, seed=1)
    ours = QwenFrameProcessor.for_family("qwen2.5-vl")(frame)
    reference = Qwen2VLImageProcessorPil(min_pixels=3136, max_pixels=12845056)(
        Image.fromarray(frame), return_tensors="np"
    )
    assert ours.grid_thw == tuple(reference["image_grid_thw"][0])
    expected = reference["pixel_values"]
    assert ours.pixels.shape == expected.shape
    levels = np.abs(ours.pixels - expected) * min(CLIP_STD) * 255
    assert levels.max() <= 8
    assert levels.mean() < 0.3


def test_resize_is_close_to_pil_bicubic():
    processor = QwenFrameProcessor.for_family("qwen2.5-vl")
    frame = _frame(300, 500, seed=2)
    ours = processor.resize(frame)
    height, width = ours.shape[1:]
    pil = np.asarray(Image.fromarray(frame).resize((width, height), Image.Resampling.BICUBIC))
    diff = np.abs(ours.transpose(1, 2, 0).astype(int) - pil.astype(int))
    assert diff.max() <= 2 and diff.mean() < 0.05


@pytest.mark.parametrize("family", ["qwen2.5-vl", "qwen3-vl"])
@pytest.mark.parametrize("size", [(1, 1), (3, 9), (20, 20)])
def test_frames_under_the_minimum_are_resized_up(family, size):
    processor = QwenFrameProcessor.for_family(family)
    out = processor(_frame(*size))
    _, gh, gw = out.grid_thw
    pixels = gh * gw * processor.patch_size**2
    budget = processor.min_pixels // (2 if processor.clip_budget else 1)
    assert pixels >= budget
    assert np.isfinite(out.pixels).all()
    assert gh % 2 == 0 and gw % 2 == 0


def test_too_elongated_frame_is_a_clear_error():
    with pytest.raises(ValueError, match="elongated"):
        QwenFrameProcessor.for_family("qwen2.5-vl")(np.zeros((2, 900, 3), np.uint8))


def test_settings_come_from_the_checkpoint_files(tmp_path):
    with pytest.raises(ModelLoadError, match="preprocessor_config.json"):
        QwenFrameProcessor.from_folder(tmp_path, "qwen2.5-vl")
    (tmp_path / "preprocessor_config.json").write_text(
        json.dumps(
            {
                "min_pixels": 1000,
                "max_pixels": 5000,
                "patch_size": 4,
                "image_mean": [0.1, 0.2, 0.3],
                "image_std": [0.5, 0.5, 0.5],
            }
        )
    )
    flat = QwenFrameProcessor.from_folder(tmp_path, "qwen2.5-vl")
    assert (flat.min_pixels, flat.max_pixels, flat.patch_size) == (1000, 5000, 4)
    assert flat.mean == (0.1, 0.2, 0.3) and not flat.clip_budget
    (tmp_path / "video_preprocessor_config.json").write_text(
        json.dumps({"size": {"shortest_edge": 4096, "longest_edge": 25165824}, "patch_size": 16})
    )
    video = QwenFrameProcessor.from_folder(tmp_path, "qwen3-vl")
    assert (video.min_pixels, video.max_pixels, video.patch_size) == (4096, 25165824, 16)
    assert video.mean == (0.5, 0.5, 0.5) and video.clip_budget


@pytest.mark.parametrize(
    "family,size,tokens",
    [
        ("qwen2.5-vl", (448, 448), 256),
        ("qwen2.5-vl", (480, 640), 17 * 23),
        ("qwen3-vl", (448, 448), 196),
        ("qwen3-vl", (480, 640), 300),
    ],
)
def test_tokens_per_frame_with_the_hub_budgets(family, size, tokens):
    """LLM tokens per frame at the hub processor settings (docs/model-families.md, Qwen)."""
    processor = QwenFrameProcessor.for_family(family)
    height, width = processor.target_size(*size)
    assert (height // processor.factor) * (width // processor.factor) == tokens


@pytest.mark.parametrize("family,image_budget", [("qwen2.5-vl", 2_691), ("qwen3-vl", 2_040)])
def test_a_1080p_frame_gets_the_video_budget_by_default(family, image_budget):
    """The hub files set the image budget (a 1080p frame stayed native); the video references
    cap a frame at 768 tokens: 1080p becomes 20 x 36 = 720 tokens."""

    def tokens(processor) -> int:
        height, width = processor.target_size(1080, 1920)
        return (height // processor.factor) * (width // processor.factor)

    assert tokens(QwenFrameProcessor.for_family(family)) == 720
    assert tokens(QwenFrameProcessor.for_family(family, frame_tokens=None)) == image_budget
    assert tokens(QwenFrameProcessor.for_family(family, frame_tokens=256)) <= 256
    capped, image = (QwenFrameProcessor.for_family(family, frame_tokens=f) for f in (768, None))
    assert capped.target_size(480, 640) == image.target_size(480, 640)  # under the cap


def test_the_frame_budget_is_a_load_setting(tmp_path):
    from videoscan_core.adapters.loading import load_model
    from videoscan_core.tiny.qwen import make_tiny_qwen

    folder = make_tiny_qwen(tmp_path, "qwen3-vl", seed=1)
    assert load_model(folder, device="cpu").frames.frame_tokens == 768
    assert load_model(folder, device="cpu", frame_tokens=0).frames.frame_tokens is None
