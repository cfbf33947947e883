"""Every flag of ``videoscan find`` reaches what it sets: the frame sampler and the text search
receive them (the other subcommands are in ``test_subcommand_flags.py``, whose coverage check lists
find's flags too)."""

from __future__ import annotations

import pytest

from videoscan_core.cli.main import main


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    from tests.app_fixtures import write_video

    return write_video(tmp_path_factory.mktemp("clip") / "clip.mp4", 20, fps=2.0)  # 10 s


# -- find ---------------------------------------------------------------------------------------
@pytest.fixture
def searched(monkeypatch):
    """``find`` with the OCR pass replaced: what the sampler and the search receive."""
    import videoscan_core.screen_text.offline as offline
    import videoscan_core.screen_text.retrieve as retrieve
    import videoscan_core.video as video
    from videoscan_core.screen_text.memory import TextMemory

    got: dict = {"fed": []}
    real_sample = video.sample_frames

    class Pass:
        def __init__(self, source=""):
            got["source"] = source
            self.memory, self.error = TextMemory(), None
            self.engine = type("Engine", (), {"load": lambda self: got.setdefault("loaded", 1)})()

        def tap(self, samples):
            for t, rgb in samples:
                got["fed"].append(t)
                yield t, rgb

        def stats(self):
            return {"frames": len(got["fed"]), "frames_read": 1}

    def search(memory, phrase, session=None, limit=100):
        got["search"] = (phrase, limit)
        return []

    def sample_frames(path, fps=1.0, *args, **kwargs):
        got["sample"] = (str(path), fps)
        return real_sample(path, fps, *args, **kwargs)

    monkeypatch.setattr(offline, "TextPass", Pass)
    monkeypatch.setattr(retrieve, "search", search)
    monkeypatch.setattr(video, "sample_frames", sample_frames)
    return got


def test_find_defaults(searched, clip, capsys):
    assert main(["find", str(clip), "  Gate B22 "]) == 0
    out = capsys.readouterr()
    assert searched["sample"] == (str(clip), 1.0) and len(searched["fed"]) == 10
    assert searched["search"] == ("Gate B22", 20) and searched["source"] == str(clip)
    assert out.out == "no hits for 'Gate B22'\n" and "reading" in out.err


def test_every_find_flag_reaches_the_sampler_and_the_search(searched, clip, capsys):
    import json

    assert main(["find", str(clip), "gate", "--fps", "0.5", "--limit", "3", "--json",
                 "--no-progress"]) == 0  # fmt: skip
    out = capsys.readouterr()
    assert searched["sample"] == (str(clip), 0.5) and searched["fed"] == [0.0, 2.0, 4.0, 6.0, 8.0]
    assert searched["search"] == ("gate", 3)
    assert json.loads(out.out) == {"hits": [], "frames": 5, "frames_read": 1}
    assert out.err == ""


@pytest.mark.parametrize("limit,ok", [(1, True), (100, True), (0, False), (101, False)])
def test_find_limit_from_one_to_the_most_hits(searched, clip, capsys, limit, ok):
    code = main(["find", str(clip), "gate", "--limit", str(limit), "--no-progress"])
    assert (code == 0) is ok
    if not ok:
        assert f"--limit must be between 1 and 100 (got {limit})" in capsys.readouterr().err
        assert "sample" not in searched  # refused before reading
