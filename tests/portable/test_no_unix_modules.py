"""The app's scripted run and the CLI work with Unix-only modules unimportable (as on Windows),
and the per-platform folder, memory and display rules give the right answers for win32/darwin."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Inserted before anything of ours is imported: an `import resource` or `import fcntl` written in
# app/ or videoscan_core/ raises ImportError, as it would on Windows. Third-party Linux backends
# (psutil's _pslinux, filelock's unix lock) keep theirs: on Windows they take their own paths.
BLOCK_UNIX = """
import builtins, sys
_real_import = builtins.__import__
def _no_unix(name, globals=None, locals=None, fromlist=(), level=0):
    caller = (globals or {}).get('__name__') or ''
    ours = caller.split('.')[0] in ('app', 'videoscan_core', '__main__')
    if ours and level == 0 and name.split('.')[0] in ('resource', 'fcntl'):
        raise ImportError(f'{name} is Unix-only (blocked in {caller} to simulate Windows)')
    return _real_import(name, globals, locals, fromlist, level)
builtins.__import__ = _no_unix
"""


def run_blocked(module: str, args: list[str], env: dict, timeout: int = 240):
    code = BLOCK_UNIX + (
        f"sys.argv = [{module!r}, *{args!r}]\n"
        "import runpy\n"
        f"runpy.run_module({module!r}, run_name='__main__', alter_sys=True)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=timeout,
    )


def test_the_blocker_really_blocks():
    code = BLOCK_UNIX + "import psutil\nimport resource\n"  # psutil (Linux) imports it: allowed
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0 and "Unix-only" in result.stderr


@pytest.mark.slow
def test_cli_runs_without_unix_modules(tiny_model_dir, moving_video):
    result = run_blocked(
        "videoscan_core.cli.main",
        ["run", str(moving_video), "--model", str(tiny_model_dir), "--question", "What?",
         "--memory", "3", "--max-new-tokens", "4", "--json"],
        env=os.environ.copy(),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["frames_seen"] == 20 and report["peak_rss_mb"] > 50


@pytest.mark.slow
def test_scripted_app_runs_without_unix_modules(tiny_model_dir, moving_video, tmp_path):
    report_path = tmp_path / "report.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_STATE_HOME": str(tmp_path)}
    result = run_blocked(
        "app.main",
        ["--source", f"file:{moving_video}", "--model", str(tiny_model_dir), "--ask", "What?",
         "--ask-after-frames", "3", "--exit-after-answer", "--report-json", str(report_path),
         "--playback-speed", "8", "--settings-file", str(tmp_path / "s.ini"), "--memory", "3"],
        env=env,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(report_path.read_text())
    assert report["frames_processed"] >= 3 and report["peak_rss_mb"] > 100
    assert report["answers"] and report["errors"] in ([], 0)  # a list before, a count now
    assert (tmp_path / "videoscan" / "videoscan-desktop.log").is_file()  # user_dirs.log_dir()


def test_core_folders_follow_each_platform(monkeypatch, tmp_path):
    from videoscan_core import user_dirs

    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("WIN_PD_OVERRIDE_LOCAL_APPDATA", r"C:\Users\ann\AppData\Local")
    win = [str(folder) for folder in (user_dirs.cache_dir(), user_dirs.log_dir())]
    assert win[0].startswith(r"C:\Users\ann\AppData\Local") and "videoscan" in win[0]
    assert win[1].startswith(r"C:\Users\ann\AppData\Local") and ".local" not in win[1]
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert user_dirs.cache_dir() == tmp_path / "Library" / "Caches" / "videoscan"
    assert user_dirs.log_dir() == tmp_path / "Library" / "Logs" / "videoscan"
    assert user_dirs.app_log_file().parent == user_dirs.log_dir()  # the app's log, macOS too
    assert "Application Support" in str(user_dirs.config_dir())
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert user_dirs.log_dir() == tmp_path / "state" / "videoscan"


def test_peak_memory_on_windows_uses_the_peak_working_set(monkeypatch):
    from videoscan_core import process_stats as resources

    class Info:
        rss = 100 * resources.MIB
        peak_wset = 300 * resources.MIB

    monkeypatch.setattr(resources._me(), "memory_info", lambda: Info())
    assert resources.current_rss_mb() == 100
    assert resources.peak_rss_mb() == 300


def test_peak_memory_elsewhere_is_the_largest_seen(monkeypatch):
    from videoscan_core import process_stats as resources

    class Info:
        rss = 10**12  # larger than anything /proc reports here, so the seen peak wins

    monkeypatch.setattr(resources._me(), "memory_info", lambda: Info())
    monkeypatch.setattr(resources, "_linux_peak_mb", lambda: None)  # as on macOS
    assert resources.peak_rss_mb() == 10**12 / resources.MIB


def test_display_check_and_screen_errors_per_platform(monkeypatch):
    from app import main
    from videoscan_core.capture import screen

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    for platform in ("win32", "darwin"):
        monkeypatch.setattr(sys, "platform", platform)
        assert main.has_display()  # no DISPLAY variable there: never the headless demo
    assert "Screen Recording" in screen.permission_hint()  # darwin
    monkeypatch.setattr(sys, "platform", "win32")
    assert screen.permission_hint() == ""
    monkeypatch.setattr(sys, "platform", "linux")
    assert not main.has_display()
    assert "X11" in screen.permission_hint()


def test_hardware_reports_real_ram_through_psutil(monkeypatch):
    import psutil

    from videoscan_core.hub import hardware

    class Memory:
        total = 16 * hardware.GB

    monkeypatch.setattr(psutil, "virtual_memory", lambda: Memory())
    monkeypatch.setattr(hardware, "_nvidia_smi", lambda: ("", 0.0))
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    found = hardware.detect_hardware()
    assert found.ram_gb == 16.0 and found.cpu_count >= 1
