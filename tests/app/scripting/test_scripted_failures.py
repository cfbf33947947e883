"""Scripted runs always end: each failure writes the report with an ``error`` field (or prints one
line when the report cannot be written) and exits non-zero within a bounded time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import wave

import pytest

from tests.app_fixtures import write_video

LIMIT_S = 90  # every case ends well within this (before: killed after 30-60 s with no report)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return write_video(tmp_path_factory.mktemp("clip") / "clip.mp4", 20, fps=5.0)


def app_run(tmp_path, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "HOME": str(tmp_path / "home"),
    }
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "app.main", "--settings-file", str(tmp_path / "s.ini"), *args],
        capture_output=True,
        text=True,
        timeout=LIMIT_S,
        env=env,
    )
    return result, time.monotonic() - started


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("videoscan-desktop: error:")]


def scripted(clip, report, *extra: str) -> list[str]:
    return [
        "--source", f"file:{clip}", "--model", "videoscan-demo", "--ask", "What is shown?",
        "--ask-after-frames", "2", "--exit-after-answer", "--playback-speed", "4",
        "--report-json", str(report), *extra,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--playback-speed", "0"], "--playback-speed must be a finite number > 0"),
        (["--playback-speed", "nan"], "--playback-speed must be a finite number > 0"),
        (["--ask-after-frames", "-1"], "--ask-after-frames must be >= 0"),
        (["--fps", "99"], "capture rate must be between 0.2 and 5"),
        (["--export-frames", "/no/such/folder"], "--export-frames: the folder /no/such/folder"),
    ],
)
def test_bad_flags_end_at_once_with_the_report_and_one_line(tmp_path, clip, flags, expected):
    report = tmp_path / "r.json"
    result, took = app_run(tmp_path, *scripted(clip, report), *flags)
    assert result.returncode == 2 and took < 30
    assert len(error_lines(result.stderr)) == 1 and expected in result.stderr
    assert expected in json.loads(report.read_text())["error"]


def test_an_unwritable_report_is_one_line_before_anything_runs(tmp_path, clip):
    report = tmp_path / "missing-folder" / "r.json"
    result, took = app_run(tmp_path, *scripted(clip, report))
    assert result.returncode == 2 and took < 30
    (line,) = error_lines(result.stderr)
    assert f"cannot write the report {report}" in line and "does not exist" in line
    result, _ = app_run(tmp_path, *scripted(clip, tmp_path))  # a folder
    assert result.returncode == 2 and "it is a folder" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("bad source", "no camera at index 7"),
        ("missing model", "nope"),
        ("silent audio", "speech"),
        ("screenshot", "cannot save the screenshot"),
        ("timeout", "did not finish within 3 s"),
    ],
)
def test_a_failing_scripted_run_writes_its_error_and_exits(tmp_path, clip, case, expected):
    report = tmp_path / "r.json"
    args = scripted(clip, report)
    if case == "bad source":
        args[1] = "webcam:7"
    elif case == "missing model":
        args[3] = str(tmp_path / "nope")
    elif case == "silent audio":
        silent = tmp_path / "silent.wav"
        with wave.open(str(silent), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(16000)
            out.writeframes(b"\0\0" * 16000)
        args[4:6] = ["--ask-audio", str(silent)]
    elif case == "screenshot":
        args += ["--screenshot", str(tmp_path / "no-such-folder" / "shot.png")]
    elif case == "timeout":
        args[7] = "100000"  # --ask-after-frames: the question never comes
        args += ["--script-timeout", "3"]
    result, took = app_run(tmp_path, *args)
    assert result.returncode == 1, result.stderr[-2000:]
    assert took < LIMIT_S
    error = json.loads(report.read_text())["error"]
    assert expected.lower() in error.lower(), error
    assert error_lines(result.stderr)[-1].endswith(error)


def test_a_failed_scripted_answer_ends_the_run(make_window, tiny_engine_factory, tmp_path, qtbot):
    from app.scripting import script_guard
    from app.scripting.scripted_run import ScriptPlan
    from app.settings import AppSettings

    exits = []
    plan = ScriptPlan(asks=["Q"], exit_after_answer=True, report_json=str(tmp_path / "r.json"))
    window = make_window(AppSettings(model="tiny"), engine_factory=tiny_engine_factory, plan=plan)
    guard = script_guard.ScriptGuard(
        window.script, window.report, plan, window.shutdown, window, timeout_s=60
    ).attach(window.view.banner.sig_shown, window.worker.sig_answer_failed)
    script_guard._exit_failed, real = (lambda stop: exits.append(stop)), script_guard._exit_failed
    try:
        window.script.waiting = True
        window.worker.sig_answer_failed.emit(1, "out of memory")
        qtbot.waitUntil(lambda: exits == [window.shutdown], timeout=5000)
    finally:
        script_guard._exit_failed = real
    assert guard.error == "the answer failed: out of memory"
    assert json.loads((tmp_path / "r.json").read_text())["error"] == guard.error
