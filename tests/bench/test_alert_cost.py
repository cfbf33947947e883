"""The alert-cost benchmark runs (quick, tiny geometry) and prints its ratios as JSON.

No timing is asserted: figures come from running it (benchmarks/NOTES.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_alert_cost_prints_its_json():
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.alert_cost", "--geometry", "tiny", "--quick", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["memory"] == 64 and report["cache_entries"] > 64
    assert 0 < report["condition_over_frame"] and 0 < report["condition_with_times_over_frame"]
    assert report["question_tokens"] < report["question_tokens_with_times"]
