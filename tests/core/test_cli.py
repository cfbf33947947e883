"""The ``videoscan`` CLI end to end on a generated video, and every bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from videoscan_core.video import import_cv2


def videoscan(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "videoscan_core.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture(scope="module")
def video_file(tmp_path_factory):
    """A 12-second, 5 FPS video of a moving square whose background colour changes."""
    cv2 = import_cv2()
    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 5.0, (64, 48))
    for i in range(60):
        frame = np.zeros((48, 64, 3), np.uint8)
        frame[:, :, (i // 20) % 3] = 180
        frame[10:20, i % 50 : i % 50 + 10] = 255
        writer.write(frame)
    writer.release()
    return path


def test_run_prints_the_json_report(video_file, tiny_model_dir):
    result = videoscan(
        "run",
        str(video_file),
        "--model",
        str(tiny_model_dir),
        "--question",
        "What is shown?",
        "--question",
        "What changed?",
        "--memory",
        "4",
        "--max-new-tokens",
        "6",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert len(report["answers"]) == 2 and all(isinstance(a, str) for a in report["answers"])
    assert report["frames_seen"] == 12
    assert report["carriers_retained"] == 4 and report["memory_size"] == 4
    assert len(report["carrier_timestamps"]) == 4
    assert report["carrier_timestamps"][-1] == 11.0  # the newest frame is always kept
    # each answer names where its evidence is: up to 3 retained carriers' times
    assert len(report["evidence"]) == 2
    for times in report["evidence"]:
        assert 1 <= len(times) <= 3 and set(times) <= set(report["carrier_timestamps"])
    assert report["kv_cache_bytes"] > 0 and report["median_frame_ms"] > 0
    assert report["peak_rss_mb"] > 50
    assert "streaming" in result.stderr  # the progress bar went to stderr


def test_run_plain_output_and_fps(video_file, tiny_model_dir):
    result = videoscan(
        "run",
        str(video_file),
        "--model",
        str(tiny_model_dir),
        "--question",
        "Q one?",
        "--fps",
        "2",
        "--max-new-tokens",
        "3",
        "--no-progress",
        "--position-mode",
        "monotonic",
        "--keep-topk",
        "2",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Q: Q one?\nA: ")
    assert result.stderr == ""


@pytest.mark.parametrize(
    "case, expected",
    [
        ("missing-video", "does not exist"),
        ("not-a-video", "not a video"),
        ("empty-file", "is empty"),
        ("zero-frames", "no frames"),
        ("missing-model", "does not exist"),
        ("empty-model", "no config.json"),
        ("memory-zero", "--memory must be at least 1"),
        ("fps-zero", "--fps must be greater than 0"),
        ("fps-negative", "--fps must be greater than 0"),
        ("no-question", "at least one --question"),
        ("vision-batch-zero", "--vision-batch must be at least 1"),
    ],
)
def test_bad_input_gives_one_clear_line(case, expected, tmp_path, video_file, tiny_model_dir):
    video, model, extra = str(video_file), str(tiny_model_dir), []
    if case == "missing-video":
        video = str(tmp_path / "nope.mp4")
    elif case == "not-a-video":
        (tmp_path / "notes.mp4").write_text("this is text")
        video = str(tmp_path / "notes.mp4")
    elif case == "empty-file":
        (tmp_path / "empty.mp4").write_bytes(b"")
        video = str(tmp_path / "empty.mp4")
    elif case == "zero-frames":
        cv2 = import_cv2()
        video = str(tmp_path / "zero.avi")
        cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*"MJPG"), 5.0, (64, 48)).release()
    elif case == "missing-model":
        model = str(tmp_path / "no-model")
    elif case == "empty-model":
        (tmp_path / "empty-model").mkdir()
        model = str(tmp_path / "empty-model")
    elif case == "memory-zero":
        extra = ["--memory", "0"]
    elif case == "fps-zero":
        extra = ["--fps", "0"]
    elif case == "fps-negative":
        extra = ["--fps=-1"]
    elif case == "vision-batch-zero":
        extra = ["--vision-batch", "0"]
    question = [] if case == "no-question" else ["--question", "Q?"]
    result = videoscan("run", video, "--model", model, *question, *extra, "--no-progress")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("videoscan: error:") and expected in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_make_tiny_model_writes_a_loadable_folder(tmp_path):
    result = videoscan("make-tiny-model", str(tmp_path / "m"))
    assert result.returncode == 0, result.stderr
    from transformers import LlavaOnevisionForConditionalGeneration

    model = LlavaOnevisionForConditionalGeneration.from_pretrained(tmp_path / "m")
    assert model.config.text_config.num_hidden_layers == 2
