"""The Qwen geometries' benchmark paths (M-RoPE adapters) run: stream_cost and answer_latency
with the tiny Qwen models standing in for the multi-gigabyte published shapes."""

from __future__ import annotations

import importlib
import json
import sys

import pytest

from benchmarks import geometries
from videoscan_core.tiny.qwen import build_tiny_qwen_adapter


@pytest.mark.slow
@pytest.mark.parametrize("geometry", ["qwen2.5-vl-3b", "qwen3-vl-2b"])
@pytest.mark.parametrize("name", ["stream_cost", "answer_latency"])
def test_qwen_geometry_runs_through_the_benchmark(monkeypatch, capsys, tmp_path, geometry, name):
    family = "qwen2.5-vl" if geometry.startswith("qwen2.5") else "qwen3-vl"
    assert geometry in geometries.GEOMETRIES
    monkeypatch.setattr(geometries, "build", lambda *_, **__: build_tiny_qwen_adapter(family))
    args = [name, "--geometry", geometry, "--quick", "--json"]
    if name == "stream_cost":
        args += ["--plot", str(tmp_path / "plot.png")]
    monkeypatch.setattr(sys, "argv", args)
    importlib.import_module(f"benchmarks.{name}").main()
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["geometry"] == geometry
    if name == "stream_cost":
        projected = result["projected_kv_gb_1h_1fps"]
        assert projected["full"] > 100 * projected["videoscan"] > 0
        assert (
            result["kv_bytes_per_frame"]["full"] > result["kv_bytes_per_frame"]["videoscan_carrier"]
        )
    else:
        assert result["ttft_over_bare_prefill"] > 0
