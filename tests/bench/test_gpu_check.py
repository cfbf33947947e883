"""scripts/gpu_check.sh: one JSON written as it goes; a part that fails, hangs or cannot run is
recorded with its reason and the next part still runs; without CUDA the CPU dry-run passes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks import gpu_check

ROOT = Path(__file__).resolve().parents[2]


def test_a_hanging_part_is_killed_with_its_children_at_its_limit():
    hang = "import threading; threading.Event().wait()"  # a part that never ends by itself
    code = f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', {hang!r}]); " \
           f"print('started', flush=True); {hang}"
    started = time.monotonic()
    ran = gpu_check.run_process([sys.executable, "-c", code], timeout=3)
    assert ran["timed_out"] and "started" in ran["output"]
    assert time.monotonic() - started < 30


def test_parts_that_fail_or_cannot_run_are_recorded_and_the_rest_runs(tmp_path, monkeypatch):
    seen = []

    def broken(check, scratch):
        seen.append("equivalence")
        raise RuntimeError("CUDA error: an illegal memory access")

    def passes(check, scratch):
        seen.append("fsdp_training")
        assert json.loads(check.output.read_text())["parts"]["equivalence"]["status"] == "failed"
        return {"status": "ok", "train_loss": 1.0}

    monkeypatch.setattr(gpu_check, "equivalence", broken)
    monkeypatch.setattr(gpu_check, "fsdp_training", passes)
    monkeypatch.setattr(gpu_check, "geometry", lambda check, scratch, name, frames: {
        "status": "skipped", "reason": "needs about 31 GB of GPU memory, 20 GB free"})
    output = tmp_path / "check.json"
    monkeypatch.setattr(sys, "argv", ["gpu_check", "--output", str(output), "--dry-run"])
    with pytest.raises(SystemExit) as exit_code:
        gpu_check.main()
    assert exit_code.value.code == 1 and seen == ["equivalence", "fsdp_training"]
    result = json.loads(output.read_text())
    assert result["finished"] and result["mode"] == "cpu-dry-run"
    assert "illegal memory access" in result["failed"][0]
    assert result["parts"]["fsdp_training"]["status"] == "ok"
    assert any("31 GB" in line for line in result["skipped"])


def test_a_geometry_too_big_for_the_free_memory_is_skipped_in_words(tmp_path, monkeypatch):
    check = gpu_check.Check(tmp_path / "check.json", 100, dry=False)
    monkeypatch.setattr(gpu_check, "environment", lambda dry: {"gpu_free_gb": 20.0})
    part = gpu_check.geometry(check, tmp_path, "qwen2.5-vl-3b", 100)
    assert part["status"] == "skipped" and "20 GB free" in part["reason"]


@pytest.mark.slow
def test_cpu_dry_run_passes_and_writes_one_json(tmp_path):
    output = tmp_path / "gpu.json"
    env = {**os.environ, "PYTHON": sys.executable, "XDG_CACHE_HOME": str(tmp_path)}
    result = subprocess.run(
        ["scripts/gpu_check.sh", "--output", str(output), "--dry-run"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    report = json.loads(output.read_text())
    assert result.returncode == 0, (report.get("failed"), result.stderr[-2000:])
    assert report["finished"] and report["mode"] == "cpu-dry-run"
    parts = report["parts"]
    assert {name: part["status"] for name, part in parts.items()} == {
        "equivalence": "ok", "fsdp_training": "ok", "tiny": "ok"}
    assert parts["equivalence"]["tests"] >= 1 and parts["equivalence"]["measurements"]
    training = parts["fsdp_training"]
    assert training["fsdp_units"] == 1 and training["sharded_checkpoint"]
    soak = parts["tiny"]["stages"]["memory_soak"]
    assert soak["frames"] == 300 and soak["kv_entries_exact"]
