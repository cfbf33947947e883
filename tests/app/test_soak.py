"""The app stays up for a long watch: 30 minutes of stream time through the real window, the demo
model, the timeline and plots repainting after every processed frame (the Qt binding that lost a
reference to None per void call aborted such a run after 4-13 minutes), played 10x faster so it
takes about three minutes of wall time. Only what does not depend on the machine's speed is
asserted: the run ends normally, every frame of the video was read, nothing failed, the question
at the end is answered from frames of the video."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.app_fixtures import write_video

STREAM_S = 30 * 60  # 30 minutes of video at 1 frame per second (the app's capture rate)
SPEED = 10  # -> about 3 minutes of wall time


@pytest.mark.slow
def test_thirty_minutes_of_stream_time_end_cleanly(tmp_path):
    video = write_video(tmp_path / "long.mp4", STREAM_S, fps=1.0)  # every frame differs
    report_path = tmp_path / "report.json"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "HOME": str(tmp_path / "home"),
    }
    result = subprocess.run(
        [
            sys.executable, "-m", "app.main", "--source", f"file:{video}",
            "--model", "videoscan-demo", "--fps", "1", "--playback-speed", str(SPEED),
            "--ask", "What color is the shape on the screen now?",
            "--ask-after-frames", str(10 * STREAM_S),  # asked when the video has ended
            "--exit-after-answer", "--report-json", str(report_path),
            "--settings-file", str(tmp_path / "s.ini"), "--script-timeout", "1200",
        ],  # fmt: skip
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Fatal Python error" not in result.stderr
    report = json.loads(report_path.read_text())
    assert report["error"] is None and report["errors"] == 0, report["error_messages"]
    assert report["frames_captured"] + 0 == STREAM_S  # the whole video was read
    assert report["sessions"] == 1 and report["frames_processed"] >= 1
    (answer,) = report["answers"]
    assert answer["answer"].strip()
    assert all(0 <= t <= STREAM_S for t in answer["evidence"])
