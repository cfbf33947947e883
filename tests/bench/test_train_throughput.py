"""The training-throughput benchmark times both training forwards on one model and batch and
prints their ratio (no timing asserted: docs/training-on-gpus.md quotes what it printed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_train_throughput_compares_the_masked_and_replayed_forwards():
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.train_throughput", "--geometry", "tiny",
         "--forward", "both", "--steps", "1", "--batch", "2"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["tokens_per_step"] > 0 and report["replay_over_masked"] > 0
    assert report["masked_tokens_per_s"] > 0 and report["replay_tokens_per_s"] > 0
