"""``videoscan serve --source screen`` captures under the app's privacy rules (real X screen).

The server's live engine is the one place frames reach the model: every frame it is given is
recorded. The rules come from a settings file written by QSettings, as the app writes it, and are
read the way ``serve``/``mcp`` read them (``use_app_rules``). Without the rules the secret window
reaches the engine (the check can fail); with them it never does, wherever the window moves.
"""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QSettings

from tests.privacy.test_x11_desktop import Desktop, reddish
from videoscan_core.capture.privacy.app_settings import use_app_rules
from videoscan_core.capture.privacy.guard import GUARD
from videoscan_core.capture.privacy.rules import PrivacyRules, save_rules

pytestmark = [
    pytest.mark.display,
    pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs an X display (xvfb-run)"),
]
pytest.importorskip("uvicorn")


def greenish(rgb) -> int:
    r, g, b = (rgb[..., i].astype(int) for i in range(3))
    return int(((g > 150) & (r < 110) & (b < 110)).sum())


@pytest.fixture(scope="module")
def desktop():
    desktop = Desktop()
    yield desktop
    desktop.close()


@pytest.fixture
def served(tiny_vlm):
    """A server on screen 1 whose live engine records every frame it is given."""
    from videoscan_core.serve.server import VideoScanServer

    servers = []

    def start():
        server = VideoScanServer("tiny", tiny_vlm, source="screen:1", fps=10.0, memory=4)
        engine, seen = server.worker.live_engine, []
        add_frame = engine.add_frame

        def recording(frame, timestamp, *args, **kwargs):
            seen.append(frame.copy())
            return add_frame(frame, timestamp, *args, **kwargs)

        engine.add_frame = recording
        server.start()
        servers.append(server)
        return server, seen

    yield start
    for server in servers:
        server.stop()
    GUARD.set_rules(PrivacyRules())
    GUARD.close()


def frames_after(server, seen, count: int) -> list:
    start = len(seen)
    assert server.worker.wait_until(lambda: len(seen) >= start + count, timeout=60)
    return seen[start:]


def test_an_excluded_window_never_reaches_the_servers_engine(desktop, served, tmp_path):
    desktop.command("focus backdrop")
    server, seen = served()  # no rules: the secret window is seen (the check can fail)
    assert all(reddish(f) > 5000 for f in frames_after(server, seen, 2))
    server.stop()

    settings = tmp_path / "settings.ini"
    save_rules(
        QSettings(str(settings), QSettings.Format.IniFormat),
        PrivacyRules(exclude=("VS Secret",), pause_when_locked=False),
    )
    assert "1 window rule(s)" in use_app_rules(settings)
    server, seen = served()
    for place in ("move secret 700 450", "move secret 20 500", "resize secret 500 300"):
        frames = frames_after(server, seen, 3)
        assert all(reddish(f) == 0 for f in frames)
        assert all(greenish(f) > 5000 for f in frames)  # the rest of the screen is still seen
        desktop.command(place)
    assert all(reddish(f) == 0 for f in seen)
    desktop.command("move secret 100 100")
    desktop.command("resize secret 300 200")
