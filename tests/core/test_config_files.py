"""Every field of every file the model loader and the evaluator read, and its effect: a Qwen-VL
checkpoint's processor files (each statistic, size, patch and scale, and which file wins), a
SigLIP-style ``preprocessor_config.json`` (mean, std, resampling), ``videoscan.json`` (newline,
time instruction, the training marker, a broken file), and ``--restart`` versus a resumed
``--predictions`` file, checked on the file itself."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PIL import Image

from videoscan_core.adapters.preprocess import SIGLIP_MEAN, FramePreprocessor
from videoscan_core.adapters.qwen_preprocess import (
    CLIP_MEAN,
    CLIP_STD,
    QwenFrameProcessor,
    read_video_processor_json,
)
from videoscan_core.errors import ModelLoadError


# -- Qwen-VL processor files --------------------------------------------------------------------
def test_every_field_of_a_qwen_processor_file_is_read():
    data = {
        "min_pixels": 1000, "max_pixels": 90000, "patch_size": 8, "merge_size": 3,
        "temporal_patch_size": 4, "image_mean": [0.1, 0.2, 0.3], "image_std": [0.4, 0.5, 0.6],
        "rescale_factor": 0.5,
    }  # fmt: skip
    for family in ("qwen2.5-vl", "qwen3-vl"):
        processor = QwenFrameProcessor.for_family(family, data)
        assert (processor.min_pixels, processor.max_pixels) == (1000, 90000)
        assert (processor.patch_size, processor.merge_size) == (8, 3) and processor.factor == 24
        assert processor.temporal_patch_size == 4 and processor.rescale_factor == 0.5
        assert processor.mean == (0.1, 0.2, 0.3) and processor.std == (0.4, 0.5, 0.6)
        assert processor.clip_budget is (family == "qwen3-vl")


def test_defaults_per_family_when_the_file_says_nothing():
    old, new = (QwenFrameProcessor.for_family(f, {}) for f in ("qwen2.5-vl", "qwen3-vl"))
    assert (old.patch_size, old.min_pixels, old.max_pixels) == (14, 3136, 12845056)
    assert (new.patch_size, new.min_pixels, new.max_pixels) == (16, 4096, 25165824)
    assert (old.mean, old.std) == (CLIP_MEAN, CLIP_STD) and new.mean == new.std == (0.5,) * 3
    for processor in (old, new):
        assert (processor.merge_size, processor.temporal_patch_size) == (2, 2)
        assert processor.rescale_factor == pytest.approx(1 / 255)


def test_size_edges_stand_in_for_min_and_max_pixels_which_win_when_both_are_there():
    size = {"size": {"shortest_edge": 2000, "longest_edge": 80000}}
    processor = QwenFrameProcessor.for_family("qwen2.5-vl", size)
    assert (processor.min_pixels, processor.max_pixels) == (2000, 80000)
    both = QwenFrameProcessor.for_family("qwen3-vl", size | {"min_pixels": 7, "max_pixels": 9})
    assert (both.min_pixels, both.max_pixels) == (7, 9)


def test_a_single_number_statistic_is_used_for_every_channel():
    processor = QwenFrameProcessor.for_family("qwen2.5-vl", {"image_mean": 0.25, "image_std": 2})
    assert processor.mean == (0.25,) * 3 and processor.std == (2.0,) * 3


def test_mean_std_and_rescale_factor_each_change_the_pixels():
    resized = np.zeros((3, 2, 2), np.uint8)
    resized[0], resized[1], resized[2] = 255, 102, 0  # one value per channel
    processor = QwenFrameProcessor.for_family(
        "qwen2.5-vl", {"image_mean": [0.1, 0.2, 0.3], "image_std": [0.5, 0.25, 0.125],
                       "rescale_factor": 1 / 255},
    )  # fmt: skip
    pixels = processor.normalise(resized)[:, 0, 0]
    assert pixels == pytest.approx([(1 - 0.1) / 0.5, (0.4 - 0.2) / 0.25, (0 - 0.3) / 0.125])
    halved = QwenFrameProcessor.for_family("qwen2.5-vl", {"image_mean": 0, "image_std": 1,
                                                          "rescale_factor": 0.5})  # fmt: skip
    assert halved.normalise(resized)[:, 0, 0] == pytest.approx([127.5, 51.0, 0.0])


def test_merge_and_temporal_patch_sizes_shape_the_patches():
    processor = QwenFrameProcessor.for_family(
        "qwen2.5-vl", {"patch_size": 4, "merge_size": 3, "temporal_patch_size": 3,
                       "min_pixels": 1, "max_pixels": 10**6},
    )  # fmt: skip
    frame = processor(np.zeros((24, 36, 3), np.uint8))  # a multiple of 12 on both sides
    assert frame.grid_thw == (1, 6, 9)
    assert frame.pixels.shape == (54, 3 * 3 * 4 * 4)  # rows of C x T x P x P


def test_which_processor_file_wins(tmp_path):
    def write(name, data):
        (tmp_path / name).write_text(json.dumps(data))

    write("preprocessor_config.json", {"patch_size": 10})
    assert read_video_processor_json(tmp_path) == {"patch_size": 10}
    write("video_preprocessor_config.json", {"patch_size": 12})
    assert read_video_processor_json(tmp_path) == {"patch_size": 12}
    write("processor_config.json", {"image_processor": {"patch_size": 13}})  # no video part
    assert read_video_processor_json(tmp_path) == {"patch_size": 12}
    write("processor_config.json", {"video_processor": {"patch_size": 14}})
    assert read_video_processor_json(tmp_path) == {"patch_size": 14}
    assert QwenFrameProcessor.from_folder(tmp_path, "qwen3-vl").patch_size == 14
    (tmp_path / "processor_config.json").write_text("{not json")
    with pytest.raises(ModelLoadError, match="cannot read .*processor_config.json"):
        read_video_processor_json(tmp_path)


# -- SigLIP-style preprocessors -----------------------------------------------------------------
def test_every_field_of_a_preprocessor_config_is_read_and_used(tmp_path):
    (tmp_path / "preprocessor_config.json").write_text(json.dumps(
        {"image_mean": [0.1, 0.2, 0.3], "image_std": [0.5, 0.25, 0.125], "resample": 0}
    ))  # fmt: skip
    processor = FramePreprocessor.from_folder(tmp_path, 4, resample=1)
    assert processor.mean == (0.1, 0.2, 0.3) and processor.std == (0.5, 0.25, 0.125)
    assert processor.resample == 0 and processor.size == 4
    frame = np.zeros((2, 4, 3), np.uint8)
    frame[:, :, 0], frame[:, :, 1] = 255, 102
    out = processor(frame)
    assert out.shape == (3, 4, 4)  # squashed to the tower's square, channels first
    assert out[:, 0, 0] == pytest.approx([(1 - 0.1) / 0.5, (0.4 - 0.2) / 0.25, -0.3 / 0.125])


def test_resampling_follows_the_file_and_defaults_without_one(tmp_path):
    default = FramePreprocessor.from_folder(tmp_path, 8, resample=1)  # no file: the caller's
    assert (default.mean, default.std, default.resample) == (SIGLIP_MEAN, (0.5,) * 3, 1)
    (tmp_path / "preprocessor_config.json").write_text(json.dumps({"resample": 0}))
    nearest = FramePreprocessor.from_folder(tmp_path, 8)
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    expected = np.asarray(Image.fromarray(frame).resize((8, 8), Image.Resampling.NEAREST))
    got = nearest(frame).transpose(1, 2, 0) * 0.5 + 0.5
    assert np.abs(got * 255 - expected).max() < 1e-3
    assert FramePreprocessor.from_folder(tmp_path, 8).mean == SIGLIP_MEAN  # mean kept default


# -- videoscan.json -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def trained_dirs(tiny_model_dir, tmp_path_factory):
    def copy(settings):
        folder = tmp_path_factory.mktemp("settings") / "model"
        shutil.copytree(tiny_model_dir, folder)
        if settings is not None:
            text = settings if isinstance(settings, str) else json.dumps(settings)
            (folder / "videoscan.json").write_text(text)
        return folder

    return copy


def test_every_field_of_videoscan_json_reaches_the_adapter(trained_dirs):
    from videoscan_core.adapters import load_model

    plain = load_model(trained_dirs(None), device="cpu")
    assert (plain.newline, plain.time_instruction, plain.videoscan_trained) == (
        "none", True, False
    )  # fmt: skip
    assert plain.family == "llava-onevision"
    settled = load_model(trained_dirs({"newline": "grid", "time_instruction": False}), "cpu")
    assert (settled.newline, settled.time_instruction, settled.videoscan_trained) == (
        "grid", False, True
    )  # fmt: skip
    assert settled.family == "llava-video"
    empty = load_model(trained_dirs({}), device="cpu")  # a marker with nothing else in it
    assert (empty.newline, empty.time_instruction, empty.videoscan_trained) == ("none", True, True)


def test_a_broken_videoscan_json_names_itself(trained_dirs):
    from videoscan_core.adapters import load_model

    folder = trained_dirs("{'lora': ")
    with pytest.raises(ModelLoadError, match=f"{folder / 'videoscan.json'} is not valid JSON"):
        load_model(folder, device="cpu")


# -- --predictions: resume or restart, on the file ----------------------------------------------
def test_restart_empties_the_predictions_file_and_resume_keeps_its_rows(tmp_path):
    from videoscan_core.eval.predictions import PredictionLog

    path = tmp_path / "p.jsonl"
    earlier = [{"id": "0", "correct": True}, {"id": "1", "correct": False}]
    path.write_text("".join(json.dumps(row) + "\n" for row in earlier))
    resumed = PredictionLog(path, resume=True)
    resumed.append({"id": "2", "correct": True})
    resumed.close()
    assert [json.loads(line)["id"] for line in path.read_text().splitlines()] == ["0", "1", "2"]
    restarted = PredictionLog(path, resume=False)
    assert restarted.done == set() and restarted.rows() == [] and path.read_text() == ""
    restarted.append({"id": "7", "correct": True})
    restarted.close()
    assert [json.loads(line) for line in path.read_text().splitlines()] == [
        {"id": "7", "correct": True}
    ]  # fmt: skip


@pytest.mark.parametrize("restart", [False, True])
def test_eval_restart_acts_on_the_file_before_the_model_loads(tmp_path, monkeypatch, restart):
    import videoscan_core.adapters as adapters
    from videoscan_core.cli.main import main

    data = tmp_path / "vstream.json"
    data.write_text(json.dumps([{"video": "a.mp4", "question": "q", "answer": "a"}]))
    predictions = tmp_path / "p.jsonl"
    predictions.write_text(json.dumps({"id": "0", "correct": True}) + "\n")
    seen = {}

    def load_model(*args, **kwargs):
        seen["rows"] = predictions.read_text()  # what the file holds when the model loads
        raise KeyboardInterrupt  # stop here: the run itself is not under test

    monkeypatch.setattr(adapters, "load_model", load_model)
    flags = ["--restart"] if restart else []
    main(["eval", "vstream", "--model", "m", "--data", str(data), "--predictions",
          str(predictions), *flags])  # fmt: skip
    assert seen["rows"] == ("" if restart else json.dumps({"id": "0", "correct": True}) + "\n")
