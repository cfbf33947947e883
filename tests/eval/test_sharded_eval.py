"""``videoscan eval`` under torchrun (2 processes, gloo on CPU) gives exactly the predictions of
one process, merged in item order."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from videoscan_core.video import import_cv2


@pytest.mark.slow
def test_two_processes_equal_one(tiny_model_dir, tmp_path):
    cv2 = import_cv2()
    rows = []
    for k, name in enumerate(("a", "b", "c")):
        writer = cv2.VideoWriter(
            str(tmp_path / f"{name}.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 4.0, (40, 30)
        )
        for i in range(12):
            frame = np.full((30, 40, 3), (60 * k, 30 * i % 255, 100), np.uint8)
            writer.write(frame)
        writer.release()
        for q in ("What moves?", "Which colour?"):
            rows.append(
                {"video": f"{name}.mp4", "question": q, "candidates": ["x", "y"], "answer": "y"}
            )
    data = tmp_path / "mvbench.json"
    data.write_text(json.dumps(rows))
    common = ["eval", "mvbench", "--model", str(tiny_model_dir), "--data", str(data)]
    common += ["--memory", "3", "--json"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    single = tmp_path / "one.jsonl"
    subprocess.run(
        [sys.executable, "-m", "videoscan_core.cli.main", *common, "--predictions", str(single)],
        check=True,
        env=env,
        capture_output=True,
        timeout=300,
    )
    sharded = tmp_path / "two.jsonl"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc_per_node",
            "2",
            "--standalone",  # rendezvous on a free local port, chosen by torchrun itself
            "-m",
            "videoscan_core.cli.main",
            *common,
            "--predictions",
            str(sharded),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[:3000]
    summary = json.loads(next(x for x in result.stdout.splitlines() if x.startswith("{")))
    assert summary["items"] == 6 and summary["processes"] == 2
    one = [json.loads(line) for line in single.read_text().splitlines()]
    two = [json.loads(line) for line in sharded.read_text().splitlines()]
    assert [r["id"] for r in two] == [str(i) for i in range(6)]
    keep = ("id", "video", "question", "prediction", "predicted_letter", "correct", "asked_at")
    assert [{k: r[k] for k in keep} for r in two] == [{k: r[k] for k in keep} for r in one]
    shards = [
        json.loads(x)["video"] for x in (tmp_path / "two.jsonl.rank1").read_text().splitlines()
    ]
    assert shards and all(v.endswith("b.mp4") for v in shards)  # rank 1 did every 2nd video
