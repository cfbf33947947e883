"""An unwritable home folder is survivable and said: the demo video falls back to a private
temporary folder, a half-written demo video is made again, and a settings file that cannot be
written is reported instead of silently lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from app.settings import AppSettings
from videoscan_core.capture.demo_cache import ensure_demo_video, readable


def test_a_half_written_demo_video_is_made_again(tmp_path):
    broken = tmp_path / "demo-1.mp4"
    broken.write_bytes(b"\x00" * 44)  # what a kill -9 during the first write left
    path = ensure_demo_video(1, [tmp_path])
    assert path == broken and readable(path)
    assert not list(tmp_path.glob(".demo-*"))  # no partial file left behind
    stamp = path.stat().st_mtime_ns
    assert ensure_demo_video(1, [tmp_path]) == path and path.stat().st_mtime_ns == stamp


def test_an_unwritable_cache_falls_back_to_the_next_folder(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    path = ensure_demo_video(2, [blocked / "cache", tmp_path / "fallback"])
    assert path == tmp_path / "fallback" / "demo-2.mp4" and readable(path)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown needs root")
def test_a_folder_another_user_owns_is_not_used(tmp_path):
    theirs = tmp_path / "theirs"
    first = ensure_demo_video(4, [theirs])
    os.chown(theirs, 65534, 65534)  # as if another user had made it first (and the video)
    path = ensure_demo_video(4, [theirs, tmp_path / "mine"])
    assert path.parent == tmp_path / "mine" and first.parent == theirs
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"


def test_no_usable_folder_is_one_line(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    with pytest.raises(OSError, match="cannot write the demo video") as error:
        ensure_demo_video(3, [blocked / "one", blocked / "two"])
    assert "\n" not in str(error.value)


def test_a_settings_file_that_cannot_be_written_is_reported(tmp_path):
    from PySide6.QtCore import QSettings

    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    store = QSettings(str(blocked / "settings.ini"), QSettings.Format.IniFormat)
    problem = AppSettings(memory_size=9).save(store)
    assert problem is not None and "could not be saved" in problem and "AccessError" in problem
    good = QSettings(str(tmp_path / "ok.ini"), QSettings.Format.IniFormat)
    assert AppSettings(memory_size=9).save(good) is None


def test_the_window_says_when_settings_cannot_be_saved(make_window, tiny_engine_factory, tmp_path):
    from PySide6.QtCore import QSettings

    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    window = make_window(AppSettings(model="tiny"), engine_factory=tiny_engine_factory)
    window.store = QSettings(str(blocked / "settings.ini"), QSettings.Format.IniFormat)
    window.apply_settings(window.settings.with_changes(memory_size=7))
    assert window.settings.memory_size == 7  # applied for this session
    assert "could not be saved" in window.view.banner.messages[-1]


@pytest.mark.slow
def test_the_app_runs_its_demo_with_an_unwritable_home(tmp_path):
    home = tmp_path / "home-is-a-file"
    home.write_text("x")
    report = tmp_path / "r.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update(HOME=str(home), QT_QPA_PLATFORM="offscreen", TMPDIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "app.main", "--source", "demo:1", "--model", "videoscan-demo",
         "--ask", "How many shapes?", "--ask-after-frames", "2", "--exit-after-answer",
         "--playback-speed", "4", "--report-json", str(report)],
        capture_output=True, text=True, timeout=240, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(json.loads(report.read_text())["answers"]) == 1
    assert list(tmp_path.glob("videoscan-*/demo-1.mp4"))  # the private temporary fallback
