"""``videoscan find``: hits with first/last seen times from a real recording, bad input refused
in one line before any reading."""

from __future__ import annotations

import json

import pytest

from videoscan_core.cli.main import main
from videoscan_core.screen_text.retrieve import MAX_QUERY_CHARS

from .clips import write_clip


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return write_clip(tmp_path_factory.mktemp("find") / "screen.mp4")


def test_find_prints_each_hit_with_when_it_was_on_screen(clip, capsys):
    assert main(["find", str(clip), "gate b22", "--json", "--no-progress"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["hits"] == [
        {"text": "Flight LH4521 boards at gate B22", "first_seen": 2.0, "last_seen": 3.0}
    ]
    assert report["frames"] == 6 and report["frames_read"] == 4  # frames 3 and 5 unchanged
    assert main(["find", str(clip), "settings.toml", "--no-progress"]) == 0
    assert capsys.readouterr().out == "0:01-0:05  error: cannot open 'settings.toml'\n"
    assert main(["find", str(clip), "refund", "--no-progress"]) == 0
    assert capsys.readouterr().out == "no hits for 'refund'\n"


@pytest.mark.parametrize(
    "phrase, message",
    [("", "the search is empty"), ("  ?? ", "the search is empty"),
     ("x" * (MAX_QUERY_CHARS + 1), "the search is too long")],
)
def test_empty_or_huge_phrases_are_refused_before_reading(phrase, message, capsys, tmp_path):
    missing = tmp_path / "missing.mp4"  # never opened: the phrase is checked first
    assert main(["find", str(missing), phrase]) != 0
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
