"""Cross-platform smoke test of a built bundle (Windows, macOS, Linux): start it offscreen with the
demo model on a demo video, ask a question, and check the report JSON and the screenshot.

    python packaging/smoke.py dist/VideoScan/VideoScan.exe      # Windows
    python packaging/smoke.py dist/VideoScan.app/Contents/MacOS/VideoScan

Exits non-zero with one ``smoke: FAILED: ...`` line on any problem (the Linux CI keeps using
``smoke.sh``, which does the same).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

QUESTION = (
    "How many shapes appeared in the video? Options: (A) 1 (B) 2 (C) 3 (D) 4. "
    "Answer with the option's letter."
)


def main(argv: list[str]) -> int:
    binary = Path(argv[0] if argv else "dist/VideoScan/VideoScan")
    if not binary.is_file():
        print(f"smoke: FAILED: no binary at {binary} (build it first)")
        return 1
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HF_HUB_OFFLINE": "1",
               "XDG_CACHE_HOME": str(work / "cache"), "XDG_STATE_HOME": str(work)}
        command = [str(binary), "--source", "demo:3", "--model", "videoscan-demo",
                   "--ask", QUESTION, "--ask-after-frames", "4", "--exit-after-answer",
                   "--report-json", str(work / "report.json"),
                   "--screenshot", str(work / "window.png"), "--playback-speed", "4",
                   "--settings-file", str(work / "settings.ini")]
        try:
            subprocess.run(command, env=env, timeout=600, check=True)
        except (OSError, subprocess.SubprocessError) as error:
            print(f"smoke: FAILED: the bundle did not run: {error}")
            return 1
        problems = check(work / "report.json", work / "window.png")
    if problems:
        print("smoke: FAILED: " + "; ".join(problems))
        return 1
    return 0


def check(report_path: Path, screenshot: Path) -> list[str]:
    if not report_path.is_file():
        return ["no report was written"]
    report = json.loads(report_path.read_text())
    problems = []
    if report["frames_processed"] < 4:
        problems.append(f"only {report['frames_processed']} frames processed")
    if len(report["answers"]) != 1 or not report["answers"][0]["answer"].strip():
        problems.append(f"no answer: {report['answers']}")
    if report["errors"]:
        problems.append(f"errors: {report['errors']}")
    if not screenshot.is_file() or screenshot.stat().st_size < 10_000:
        problems.append("the screenshot is empty")
    if not problems:
        answer = report["answers"][0]
        print(f"smoke: OK: {report['frames_processed']} frames, answer {answer['answer']!r}, "
              f"peak RSS {report['peak_rss_mb']} MB")
    return problems


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
