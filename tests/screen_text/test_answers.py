"""Answers from the screen's text with a real language model (SmolLM2-135M-Instruct inside a
SmolVLM2 test model): the text that left the screen answers the question, and is the evidence."""

from __future__ import annotations

import json

import pytest

from videoscan_core.cli.main import main

from .clips import write_clip

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return write_clip(tmp_path_factory.mktemp("answers") / "screen.mp4")


def test_run_answers_from_text_that_has_left_the_screen(clip, smollm2_model_dir, capsys):
    question = "At which gate does flight LH4521 board?"
    args = ["run", str(clip), "--model", str(smollm2_model_dir), "--question", question,
            "--max-new-tokens", "16", "--json", "--no-progress"]  # fmt: skip
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    shown = report["evidence_text"][0]
    flight = {"text": "Flight LH4521 boards at gate B22", "first_seen": 2.0, "last_seen": 3.0}
    assert flight in shown
    assert [row["text"] for row in report["screen_text"]] == [
        "Terminal - build log",
        "error: cannot open 'settings.toml'",
        "Flight LH4521 boards at gate B22",
        "Order #A-77315 confirmed",
    ]
    assert main([*args, "--no-screen-text"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert plain["evidence_text"] == [[]] and "screen_text" not in plain
    assert "B22" not in plain["answers"][0]  # the 48 px frames alone cannot be read


@pytest.mark.xfail(
    strict=False,
    reason="SmolLM2-135M reads the shown text in about half of such questions (NOTES.md, "
    "screen text): its greedy answer here changed with unrelated prompt changes",
)
def test_the_real_model_answers_with_the_gate(clip, smollm2_model_dir, capsys):
    question = "At which gate does flight LH4521 board?"
    args = ["run", str(clip), "--model", str(smollm2_model_dir), "--question", question,
            "--max-new-tokens", "16", "--json", "--no-progress"]  # fmt: skip
    assert main(args) == 0
    assert "B22" in json.loads(capsys.readouterr().out)["answers"][0]  # shown 0:02-0:03 only
