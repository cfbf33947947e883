"""A stale DISPLAY or an unknown Qt platform is one clear line, not a Qt abort."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from app.scripting.startup_checks import display_problem


def free_display_number() -> int:
    return next(n for n in range(200, 300) if not os.path.exists(f"/tmp/.X11-unix/X{n}"))


def test_a_stale_display_is_named():
    number = free_display_number()
    problem = display_problem({"DISPLAY": f":{number}"})
    assert problem.startswith(f"no X server answers on DISPLAY=:{number}")


def test_a_live_display_passes(tmp_path, monkeypatch):
    number = free_display_number()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(f"\0/tmp/.X11-unix/X{number}")  # abstract, as X servers also listen
    server.listen(1)
    try:
        assert display_problem({"DISPLAY": f":{number}.0"}) is None
    finally:
        server.close()
    assert display_problem({"DISPLAY": "otherhost:0"}) is None  # remote: not probed


def test_platforms_are_checked():
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}) is None
    assert "QT_QPA_PLATFORM=bogus is not a Qt platform" in display_problem(
        {"QT_QPA_PLATFORM": "bogus"}
    )
    wayland = display_problem({"WAYLAND_DISPLAY": "wayland-77", "XDG_RUNTIME_DIR": "/nowhere"})
    assert "wayland-77 does not answer" in wayland


def test_the_app_under_a_stale_display_prints_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env["DISPLAY"] = f":{free_display_number()}"
    result = subprocess.run(
        [sys.executable, "-m", "app.main", "--report-json", str(tmp_path / "r.json")],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"videoscan-desktop: error: {display_problem({'DISPLAY': env['DISPLAY']})}"
    ]
