"""Input limits: every number is checked against the model and the machine before work starts,
with one line for people (no raw allocator, torch or overflow message)."""

from __future__ import annotations

import shutil

import pytest
import torch

from videoscan_core.config import EngineConfig
from videoscan_core.errors import VideoScanError
from videoscan_core.limits import (
    MAX_VISION_BATCH,
    cache_entries,
    check_against_model,
    check_numbers,
    check_question,
)


class FakeModel:
    tokens_per_frame = 9
    max_position_embeddings = 4096
    device = torch.device("cpu")

    def kv_bytes_per_entry(self, position_mode: str | None = None) -> int:
        return 1024

    def tokenize(self, text: str) -> torch.Tensor:
        return torch.zeros((1, len(text.split())), dtype=torch.long)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fps": float("inf")}, "--fps must be greater than 0 and finite"),
        ({"fps": float("nan")}, "--fps must be greater than 0 and finite"),
        ({"fps": 0.0}, "--fps must be greater than 0 and finite"),
        ({"memory": 0}, "--memory must be at least 1"),
        ({"keep_topk": -1}, "--keep-topk and --recent-frames must be >= 0"),
        ({"vision_batch": MAX_VISION_BATCH + 1}, "--vision-batch must be at least 1 and at most"),
        ({"vision_batch": 0}, "--vision-batch must be at least 1 and at most 64"),
        ({"device": "tpu"}, "--device must be cpu, cuda, cuda:N or mps (got 'tpu')"),
        ({"device": "xyz!"}, "--device must be"),
    ],
)
def test_numbers_are_checked_before_the_model_loads(kwargs, message):
    values = {"memory": 64, "fps": 1.0, **kwargs}
    with pytest.raises(VideoScanError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_numbers(**values)


@pytest.mark.parametrize("device", [None, "auto", "cpu", "cuda", "cuda:1", "mps"])
def test_good_values_pass(device):
    check_numbers(64, 1.0, 4, 2, MAX_VISION_BATCH, device)


def test_top_k_and_sizes_are_checked_against_the_model():
    model = FakeModel()
    check_against_model(model, EngineConfig(memory_size=64, keep_topk=9), free_bytes=10**12)
    with pytest.raises(VideoScanError, match="more than the 9 visual tokens"):
        check_against_model(model, EngineConfig(keep_topk=10), free_bytes=10**12)
    with pytest.raises(VideoScanError, match="more than the model's 4,096 positions"):
        check_against_model(model, EngineConfig(memory_size=5000), free_bytes=10**12)
    with pytest.raises(VideoScanError, match="more than the model's 4,096 positions"):
        check_against_model(model, EngineConfig(recent_frames=1000), free_bytes=10**12)


def test_the_cache_must_fit_in_free_memory():
    model = FakeModel()
    config = EngineConfig(memory_size=1000)
    needed = cache_entries(config, 9) * 1024
    check_against_model(model, config, free_bytes=needed * 2)
    with pytest.raises(VideoScanError, match=r"needs about 0\.0 GB for its cache"):
        check_against_model(model, config, free_bytes=needed)


def test_questions_are_capped_to_the_context():
    model = FakeModel()
    config = EngineConfig(memory_size=64)
    room = 4096 - cache_entries(config, 9) - 128
    check_question(model, "word " * room, config, 128)
    with pytest.raises(VideoScanError, match=f"too long \\({room + 1:,} tokens\\).*room for"):
        check_question(model, "word " * (room + 1), config, 128)
    with pytest.raises(VideoScanError, match="too long \\(40,000 characters\\)"):
        check_question(model, "x" * 40_000, config, 128)


def run_cli(capsys, *args: str) -> tuple[int, list[str]]:
    from videoscan_core.cli.main import main

    code = main(["run", *args, "--question", "What is shown?", "--no-progress"])
    return code, capsys.readouterr().err.strip().splitlines()


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    from tests.app_fixtures import write_video

    return write_video(tmp_path_factory.mktemp("clip") / "clip.mp4", 10)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--fps", "inf"], "--fps must be greater than 0 and finite"),
        (["--device", "tpu"], "--device must be cpu, cuda, cuda:N or mps"),
        (["--vision-batch", "100000"], "--vision-batch must be at least 1 and at most 64"),
        (["--keep-topk", "100000"], "visual tokens a frame of this model has"),
        (["--memory", "100000000"], "--memory must be at least 1 and at most 4096"),
        (["--question", "how many? " * 2000], "the question is too long (20,000 characters)"),
        (["--recent-frames", "1000000"], "positions; use smaller values"),
        (["--max-new-tokens", "1000000000"], "answer of 1,000,000,000 tokens does not fit"),
    ],
)
def test_the_cli_says_it_in_one_line(capsys, clip, flags, message):
    code, lines = run_cli(capsys, str(clip), "--model", "videoscan-demo", *flags)
    assert code == 1 and len(lines) == 1 and message in lines[0], lines
    assert lines[0].startswith("videoscan: error: ")


def test_a_huge_question_is_refused_at_once(capsys, clip):
    from videoscan_core.cli.main import main

    code = main(["run", str(clip), "--model", "videoscan-demo", "--no-progress",
                 "--question", "word " * 40_000])  # fmt: skip
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(lines) == 1 and "the question is too long" in lines[0]


def test_corrupt_weights_name_their_folder(capsys, clip, tmp_path):
    from videoscan_core.paths import bundled_demo_model

    folder = shutil.copytree(bundled_demo_model(), tmp_path / "model")
    (folder / "model.safetensors").write_bytes(b"\x07" * 1000)
    code, lines = run_cli(capsys, str(clip), "--model", str(folder))
    assert code == 1 and len(lines) == 1, lines
    assert f"the weights in {folder} are damaged" in lines[0]


def test_int8_runs_in_float32_only():
    check_numbers(64, 1.0, quantize="int8", dtype="float32")
    with pytest.raises(VideoScanError, match="--quantize int8 runs in float32; drop --dtype"):
        check_numbers(64, 1.0, quantize="int8", dtype="bfloat16")


def test_the_progress_total_is_capped_by_the_frames():
    from videoscan_core.video import VideoInfo

    info = VideoInfo("clip.mp4", fps=10.0, frame_count=100, width=64, height=48)
    assert info.expected_samples(1.0) == 10
    assert info.expected_samples(1000.0) == 100  # not 10,000: one sample per frame at most
