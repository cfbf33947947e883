"""A closer look at the newest frame: the family's own image path at a higher resolution.

SmolVLM2: the tiles and the prompt equal transformers' SmolVLM image processor and processor text
for that size, and a full-token stream with a closer look equals the model's own forward over the
video then the split image. Qwen-VL: the image budget (capped) as its image processor resizes,
placed as ``get_rope_index`` places an image. The look is rolled back with the question."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from videoscan_core.adapters.closer_look import LOOK_TOKENS, split_image_prompt
from videoscan_core.adapters.loading import load_model
from videoscan_core.config import EngineConfig
from videoscan_core.stream.engine import StreamingEngine
from videoscan_core.tiny.qwen import QWEN_FAMILIES, make_tiny_qwen

from .test_smolvlm import QUESTION, TIMES, TOLERANCE, _build, processor_layout

SCREEN = (270, 480)  # a 16:9 screen, scaled to the tiny models


@pytest.fixture(scope="module")
def smol():
    return _build("sdpa")


def screen(seed: int = 0, size=SCREEN) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (*size, 3), dtype=np.uint8)


def reference_look(vlm, frame):
    """(pixels [T, 3, S, S], rows, cols, text) from transformers' own image path."""
    from transformers.models.smolvlm.image_processing_pil_smolvlm import SmolVLMImageProcessorPil
    from transformers.models.smolvlm.processing_smolvlm import _prompt_split_image

    size = vlm.preprocessor.size
    processor = SmolVLMImageProcessorPil(
        size={"longest_edge": 2 * size}, max_image_size={"longest_edge": size}
    )  # the checkpoint's LANCZOS and 0.5 / 0.5 are the processor's defaults
    out = processor(images=[[frame]], return_row_col_info=True)
    rows, cols = out["rows"][0][0], out["cols"][0][0]
    text = _prompt_split_image(
        vlm.tokens_per_frame, rows, cols, "<fake_token_around_image>", "<image>", "<global-img>"
    )
    return torch.from_numpy(np.asarray(out["pixel_values"][0])), rows, cols, text


def test_smolvlm_tiles_and_prompt_equal_the_processors(smol):
    from videoscan_core.adapters.smolvlm import encode_smolvlm_tokens

    frame = screen()
    pixels, rows, cols, text = reference_look(smol, frame)
    assert (rows, cols) == (2, 2) and pixels.shape[0] == 5  # 2 x 2 tiles + the global image
    assert split_image_prompt(smol.tokens_per_frame, rows, cols) == text
    with torch.inference_mode():
        chunk = smol.closer_look(frame)
        ids = smol.tokenize(text)
        expected = smol.embed(ids).clone()
        tiles = encode_smolvlm_tokens(smol.model, pixels)  # [5, N, D]
        expected[0, ids[0] == smol.model.config.image_token_id] = tiles.reshape(-1, tiles.shape[-1])
    assert chunk.length == ids.shape[1] and not chunk.carrier
    assert torch.equal(chunk.inputs, expected)


def test_a_full_token_stream_with_a_closer_look_equals_the_models_own_forward(smol):
    frames = [screen(seed) for seed in range(3)]
    times = TIMES[:3]
    config = EngineConfig(carrier=False, memory_size=None, closer_look=True)
    engine = StreamingEngine(smol, config)
    for frame, t in zip(frames, times, strict=True):
        engine.add_frame(frame, t)
    tiles, _, _, look = reference_look(smol, frames[-1])
    text = processor_layout(smol, times, QUESTION, config.system_prompt)
    text = text.replace("\n\n" + QUESTION, look + "\n\n" + QUESTION)
    ids = smol.tokenizer(text, add_special_tokens=False, return_tensors="pt")["input_ids"]
    video = smol.preprocess(frames)  # [3, 3, S, S]
    pixels = torch.cat([video, tiles.to(video.dtype)])[None]  # the video's frames, then the tiles
    with torch.inference_mode():
        reference = smol.model(input_ids=ids, pixel_values=pixels).logits[0, -1].float()
    length = engine.cache.length
    streamed = engine.first_token_logits(QUESTION)
    assert engine.cache.length == length  # rolled back with the question
    assert (streamed - reference).abs().max() < TOLERANCE
    engine.config = config.replace(closer_look=False)
    assert (engine.first_token_logits(QUESTION) - reference).abs().max() > 100 * TOLERANCE


@pytest.fixture(scope="module", params=QWEN_FAMILIES)
def qwen(request, tmp_path_factory):
    folder = make_tiny_qwen(tmp_path_factory.mktemp(request.param), request.param, seed=1)
    return load_model(folder, device="cpu", dtype="float32")


def test_qwen_looks_through_its_image_processor_capped(qwen):
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import (
        Qwen2VLImageProcessorPil,
    )

    look = qwen.look_frames
    frame = screen(size=(1080, 1920))
    height, width = look.target_size(1080, 1920)
    factor = look.factor
    assert not look.clip_budget and (height // factor) * (width // factor) <= LOOK_TOKENS
    budget = look.pixel_budget()
    reference = Qwen2VLImageProcessorPil(
        min_pixels=look.min_pixels, max_pixels=budget, patch_size=look.patch_size,
        merge_size=look.merge_size, temporal_patch_size=look.temporal_patch_size,
        image_mean=list(look.mean), image_std=list(look.std),
    )(images=[frame], return_tensors="np")  # fmt: skip
    ours = look(frame)
    assert tuple(int(v) for v in reference["image_grid_thw"][0]) == ours.grid_thw
    assert np.abs(ours.pixels - reference["pixel_values"]).mean() < 0.02  # torch vs PIL bicubic


def test_qwen_look_is_placed_as_get_rope_index_places_an_image(qwen):
    frame = screen(size=(60, 90))
    before = qwen.tokens_per_frame
    with torch.inference_mode():
        chunk = qwen.closer_look(frame)
    assert qwen.tokens_per_frame == before  # the look leaves the stream's frame size alone
    rows, cols = chunk.grid
    text = "<|vision_end|><|vision_start|>" + "<|image_pad|>" * (rows * cols) + "<|vision_end|>"
    ids = torch.tensor([qwen.tokenizer(text, add_special_tokens=False)["input_ids"]])
    types = (ids == qwen.model.config.image_token_id).int()
    grid = torch.tensor([[1, 2 * rows, 2 * cols]])
    reference, _ = qwen.model.model.get_rope_index(ids, types, image_grid_thw=grid)
    ours = qwen.look_positions(0, chunk)[:, 0]  # [3, 2 + N]
    assert torch.equal(ours, reference[:, 0, : ours.shape[1]])


def test_the_look_is_rolled_back_and_families_without_one_ignore_it(qwen, tiny_vlm):
    for vlm in (qwen, tiny_vlm):
        engine = StreamingEngine(vlm, EngineConfig(memory_size=4, closer_look=True))
        for k in range(3):
            engine.add_frame(screen(k, size=(60, 90)), float(k))
        length = engine.cache.length
        with_look = engine.first_token_logits(QUESTION)
        assert engine.cache.length == length
        engine.config = engine.config.replace(closer_look=False)
        without = engine.first_token_logits(QUESTION)
        differs = (with_look - without).abs().max() > 1e-3
        assert differs == (vlm.closer_look(screen()) is not None)
