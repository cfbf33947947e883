"""Every benchmark runs (quick, tiny geometry) and prints its JSON with the reported ratios.

No timing is asserted here: figures come from running the benchmarks (see benchmarks/NOTES.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

EXPECTED_KEYS = {
    "stream_cost": {"videoscan_flatness", "full_over_videoscan", "engine_overhead", "plot"},
    "memory_soak": {"rss_growth", "kv_entries_exact", "samples"},
    "answer_latency": {"ttft_over_bare_prefill", "rows", "ttft_ms", "decode_tokens_per_s",
                       "default", "runtimes", "fastest_exact"},
    "static_screen": {"skipped_over_processed"},
    "gui_responsiveness": {"longest_stall_ms", "answers"},
    "experiments": {"step_ms_int8", "vision_ms_per_frame_batch4", "profile_top_ops"},
    "closer_look_cost": {"ttft_ms_without", "ttft_ms_with", "look_entries"},
}


@pytest.mark.parametrize("name", list(EXPECTED_KEYS))
def test_benchmark_prints_its_json(name, tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_STATE_HOME": str(tmp_path),
           "XDG_CACHE_HOME": str(tmp_path)}  # converted models (OpenVINO) land here
    extra = ["--plot", str(tmp_path / "plot.png")] if name == "stream_cost" else []
    result = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{name}", "--geometry", "tiny", "--quick", "--json"]
        + extra,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["benchmark"] == name and EXPECTED_KEYS[name] <= set(report)
    if name == "stream_cost":
        assert (tmp_path / "plot.png").stat().st_size > 1000  # written where asked, not in the repo
    if name == "answer_latency":  # every runtime answered on the same state, float32 exact
        runtimes = report["runtimes"]
        assert runtimes["torch"]["logits_rel_error"] == 0 and runtimes["torch"]["greedy_equal"]
        assert report["default"] in {row["runtime"] for row in runtimes.values()}
    if name == "memory_soak":
        assert report["kv_entries_exact"] and report["kv_bytes_growth"] == 0
