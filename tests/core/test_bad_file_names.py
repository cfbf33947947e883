"""A file name whose bytes are not UTF-8 is refused in words, never handed to OpenCV.

OpenCV kills the process (SIGSEGV) on a ``str`` with lone surrogates, Python's spelling of such
bytes. Every check runs in a child process, so a regression shows as a crash, not a dead suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from videoscan_core.eval.demo import write_demo_video

ROOT = Path(__file__).resolve().parents[2]
BAD = os.fsdecode(b"clip\xff")  # 'clip\udcff'


@pytest.fixture(scope="module")
def bad_video(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("names")
    good = write_demo_video(folder / "good.mp4", seed=1)
    bad = folder / f"{BAD}.mp4"
    os.rename(good, bad)
    return bad


def child(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        errors="replace",
        cwd=ROOT,
        timeout=120,
    )


def test_every_reader_refuses_the_name_instead_of_crashing(bad_video):
    result = child(
        """
        import os, sys
        from videoscan_core.capture import CaptureError, SourceSpec, open_source
        from videoscan_core.errors import VideoReadError
        from videoscan_core.video import probe_video, sample_frames
        path = os.fsdecode(os.fsencode(sys.argv[1]))
        for read in (probe_video, lambda p: list(sample_frames(p, 1.0))):
            try:
                read(path)
            except VideoReadError as error:
                print("refused:", error)
        for spec in ("file:" + path, "webcam:" + path):
            try:
                open_source(SourceSpec.parse(spec))
            except CaptureError as error:
                print("refused:", error)
        """,
        os.fsdecode(bytes(bad_video)),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert len(lines) == 4 and all("rename the file" in line for line in lines), lines


def test_run_and_serve_say_so_in_one_line(bad_video):
    for args in (
        ["run", str(bad_video), "--model", "videoscan-demo", "--question", "Q"],
        ["serve", "--model", "videoscan-demo", "--source", f"file:{bad_video}"],
    ):
        result = child(
            "import sys; from videoscan_core.cli.main import main; sys.exit(main(sys.argv[1:]))",
            *args,
        )
        assert result.returncode not in (0, -11, 139), result.stderr[-2000:]
        assert "rename the file" in result.stderr and "Traceback" not in result.stderr
