"""``videoscan demo`` streams fresh synthetic videos through the real engine and scores them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from videoscan_core.eval.synthetic_words import WORD_KINDS


def test_demo_json_report(tiny_model_dir):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "videoscan_core.cli.main",
            "demo",
            "--model",
            str(tiny_model_dir),
            "--videos",
            "2",
            "--seed",
            "5",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["videos"] == 2 and report["seed"] == 5
    assert report["questions"] >= 6 and 0.0 <= report["accuracy"] <= 1.0
    assert set(report["per_type"]) == {"now", "past", "order", "count"}
    # 4 free-form questions per video by default, scored on their words
    assert report["word_questions"] == 8 and 0.0 <= report["word_accuracy"] <= 1.0
    assert set(report["word_per_type"]) <= set(WORD_KINDS)


@pytest.mark.slow
def test_demo_prints_questions_with_options_and_answers(tiny_model_dir):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "videoscan_core.cli.main",
            "demo",
            "--model",
            str(tiny_model_dir),
            "--videos",
            "1",
            "--words",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "  Q: How many shapes appeared in the video?" in out
    assert "(A) 1  (B) 2  (C) 3  (D) 4" in out  # the options, not only a letter
    assert out.count("     -> ") == out.count("  Q: ") >= 5  # every question has its answer
    assert "multiple choice:" in out and "answers in words:" in out


def test_demo_without_the_model_is_a_clear_error(tmp_path):
    env_code = (
        "import os, sys; os.environ['VIDEOSCAN_DEMO_MODEL'] = sys.argv[1]; "
        "from videoscan_core.cli.main import main; sys.exit(main(['demo']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", env_code, str(tmp_path / "none")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "videoscan: error: the demo model is missing: run scripts/setup.sh once with network "
        "access (it assembles videoscan-demo), or pass --model"
    )
