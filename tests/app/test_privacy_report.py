"""Privacy checks without a dialog: a run's report says how many windows were blacked out in each
remembered frame and each pause with its reason and duration, and ``--export-frames`` writes the
frames as the model saw them (the excluded window black)."""

from __future__ import annotations

import json

import numpy as np
from PySide6.QtGui import QImage

from app.scripting.scripted_run import ScriptPlan
from app.settings import AppSettings
from videoscan_core.capture.base import FrameSource
from videoscan_core.capture.privacy.guard import GUARD
from videoscan_core.capture.privacy.rules import PrivacyRules
from videoscan_core.capture.privacy.windows import WindowInfo

from .fakes import SlowEngine

AREA = {"left": 0, "top": 0, "width": 64, "height": 48}


class Desktop:
    """A window list: SECRET-BANK on the top-left quarter; KeePassXC focused while ``pausing``."""

    pausing = False

    def windows(self):
        return [WindowInfo(1, "SECRET-BANK", "bank", 0, 0, 32, 24)]

    def focused(self):
        return WindowInfo(2, "KeePassXC", "keepassxc", 40, 30, 10, 10) if self.pausing else None

    def close(self):
        pass


class GuardedScreen(FrameSource):
    """A grey 'screen' grabbed through the privacy guard, as screen sources are."""

    live = True

    def open(self) -> None:
        pass

    def read(self, timestamp: float):
        return GUARD.capture(AREA, lambda: np.full((48, 64, 3), 200, np.uint8))


def test_the_report_and_exported_frames_show_what_privacy_did(
    make_window, qtbot, tmp_path, monkeypatch
):
    desktop = Desktop()
    monkeypatch.setattr(GUARD, "_lister_factory", lambda: desktop)
    monkeypatch.setattr(GUARD, "_lister", None)
    (tmp_path / "frames").mkdir()
    plan = ScriptPlan(report_json=str(tmp_path / "r.json"), export_frames=str(tmp_path / "frames"))
    window = make_window(
        AppSettings(model="fake", source="screen", fps=5.0, change_threshold=0.0),
        engine_factory=lambda request, status: SlowEngine(request.config, step_s=0.0),
        source_factory=lambda spec: GuardedScreen(),
        plan=plan,
    )
    rules = PrivacyRules(exclude=("SECRET",), pause_apps=("keepassxc",), pause_when_locked=False)
    monkeypatch.setattr(GUARD, "_rules", rules)  # (after the window loaded the saved ones)
    window.start()
    qtbot.waitUntil(lambda: window.report.frames_processed >= 2, timeout=20000)
    desktop.pausing = True  # the password manager comes to the front
    ledger = window.capture.privacy
    qtbot.waitUntil(lambda: bool(ledger.report()["pauses"]), timeout=10000)
    desktop.pausing = False
    processed = window.report.frames_processed
    qtbot.waitUntil(lambda: window.report.frames_processed >= processed + 1, timeout=20000)
    window.shutdown()  # writes the report and the frames

    report = json.loads((tmp_path / "r.json").read_text())
    privacy = report["privacy"]
    assert privacy["frames"] and all(frame["windows"] == 1 for frame in privacy["frames"])
    assert privacy["frames_with_windows_blacked_out"] == report["frames_processed"]
    (pause,) = privacy["pauses"]
    assert pause["kind"] == "privacy" and "keepassxc is focused" in pause["reason"]
    assert pause["ticks"] >= 1 and pause["seconds"] >= 0 and not pause.get("ongoing")
    folder = tmp_path / "frames"
    (exported,) = folder.iterdir()
    assert report["exported_frames"] == str(exported)
    index = json.loads((exported / "index.json").read_text())["frames"]
    assert index
    for entry in index:
        image = QImage(str(exported / entry["file"]))
        assert image.pixelColor(8, 6).lightness() < 30  # the excluded window: black
        assert image.pixelColor(56, 40).lightness() > 150  # the rest of the screen
