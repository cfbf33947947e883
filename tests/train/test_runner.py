"""Training stages through transformers' Trainer: checkpoints, resume, LoRA, JSON data, CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from videoscan_core.train.data import JsonVideoDataset
from videoscan_core.train.runner import TrainOptions, train
from videoscan_core.video import import_cv2


def weights(folder):
    return load_file(str(folder / "model.safetensors"))


def test_stage_trains_saves_checkpoints_and_resumes(tiny_model_dir, tmp_path):
    base = dict(
        stage=2,
        model=str(tiny_model_dir),
        output=str(tmp_path / "out"),
        videos=8,
        batch_size=2,
        save_steps=2,
        logging_steps=1,
        show_progress=False,
        learning_rate=1e-2,
    )
    first = train(TrainOptions(**base, max_steps=2))
    assert (first / "checkpoints" / "checkpoint-2").is_dir()
    record = json.loads((first / "training.json").read_text())
    assert record["steps"] == 2
    changed = weights(first)
    original = weights(tiny_model_dir)
    assert any(not torch.equal(changed[k], original[k]) for k in original)
    resumed = train(TrainOptions(**base, max_steps=4, resume=True))
    record = json.loads((resumed / "training.json").read_text())
    assert record["steps"] == 4 and record["resumed"]
    assert record["steps_run"] == 2  # continued from checkpoint-2, did not start over


def test_lora_with_frozen_vision_changes_only_the_language_model(tiny_model_dir, tmp_path):
    out = train(
        TrainOptions(
            stage=1,
            model=str(tiny_model_dir),
            output=str(tmp_path / "lora"),
            videos=4,
            batch_size=2,
            max_steps=2,
            lora_rank=4,
            vision="frozen",
            learning_rate=5e-2,
            warmup_steps=0,
            show_progress=False,
        )
    )
    after, before = weights(out), weights(tiny_model_dir)
    assert set(after) == set(before)  # LoRA merged: no adapter weights left behind
    vision = [k for k in before if "vision_tower" in k]
    language = [k for k in before if "self_attn.q_proj.weight" in k and "vision" not in k]
    head = [k for k in before if "lm_head" in k or "embed_tokens" in k]
    assert vision and language and head
    assert all(torch.equal(after[k], before[k]) for k in vision + head)
    assert all(not torch.equal(after[k], before[k]) for k in language)


def test_llava_video_style_json_data(tmp_path, tiny_model_dir):
    cv2 = import_cv2()
    for name in ("one", "two"):
        writer = cv2.VideoWriter(
            str(tmp_path / f"{name}.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 2.0, (40, 40)
        )
        for i in range(6):
            writer.write(np.full((40, 40, 3), 40 * i, np.uint8))
        writer.release()
    records = [
        {
            "id": "1",
            "video": "one.mp4",
            "conversations": [
                {"from": "human", "value": "<image>\nWhat happens?"},
                {"from": "gpt", "value": "It gets brighter."},
                {"from": "human", "value": "Is it dark at the end?"},
                {"from": "gpt", "value": "No."},
            ],
        },
        {
            "id": "2",
            "video": "two.mp4",
            "conversations": [
                {"from": "human", "value": "<video>\nDescribe it."},
                {"from": "gpt", "value": "A grey screen."},
            ],
        },
    ]
    data = tmp_path / "data.json"
    data.write_text(json.dumps(records))
    dataset = JsonVideoDataset(data)
    first = dataset[0]
    assert first.questions == ["What happens?", "Is it dark at the end?"]
    assert first.answers == ["It gets brighter.", "No."] and first.timestamps == [0.0, 1.0, 2.0]
    out = train(
        TrainOptions(
            stage=2,
            model=str(tiny_model_dir),
            output=str(tmp_path / "json"),
            data=str(data),
            batch_size=2,
            max_steps=1,
            show_progress=False,
        )
    )
    assert (out / "model.safetensors").is_file()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--stage", "2", "--data", "missing.json"], "cannot read training data"),
        (["--stage", "2", "--lr", "0"], "--lr must be greater than 0"),
    ],
)
def test_train_cli_errors_are_one_line(args, message, tiny_model_dir, tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "videoscan_core.cli.main",
            "train",
            "--model",
            str(tiny_model_dir),
            "--output",
            str(tmp_path / "o"),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0 and message in result.stderr
