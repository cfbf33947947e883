"""The privacy guard's decisions with a scripted window list (no display needed)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from videoscan_core.capture.privacy.guard import PrivacyGuard, black_out
from videoscan_core.capture.privacy.rules import (
    PrivacyRules,
    load_rules,
    matches_per_rule,
    save_rules,
)
from videoscan_core.capture.privacy.windows import WindowInfo, WindowListUnavailable
from videoscan_core.capture.withheld import Withheld

AREA = {"left": 100, "top": 50, "width": 200, "height": 100}
BANK = WindowInfo(1, "Online Banking - Firefox", "firefox", 120, 60, 40, 30)
NOTES = WindowInfo(2, "notes.txt", "gedit", 200, 80, 50, 50)
KEEPASS = WindowInfo(3, "Passwords.kdbx", "KeePassXC", 0, 0, 10, 10)


class FakeLister:
    def __init__(self, windows, focused=None, idle=None, locked=False):
        self.listed = [list(windows)]
        self.focus = focused
        self.idle = idle
        self.locked = locked
        self.calls = 0

    def windows(self):
        self.calls += 1
        return self.listed[min(self.calls - 1, len(self.listed) - 1)]

    def focused(self):
        return self.focus

    def idle_seconds(self):
        return self.idle

    def screen_saver_active(self):
        return self.locked

    def close(self):
        pass


def white():
    return np.full((100, 200, 3), 255, np.uint8)


def guard_with(lister, **rules):
    defaults = {"pause_when_locked": False}
    return PrivacyGuard(PrivacyRules(**(defaults | rules)), lambda: lister, locked=lambda: False)


def test_black_out_scales_and_clips():
    frame = np.full((200, 400, 3), 255, np.uint8)  # HiDPI: twice the area's size
    assert black_out(frame, AREA, [(120, 60, 40, 30), (280, 140, 100, 100), (0, 0, 5, 5)]) == 2
    assert (frame[20:80, 40:120] == 0).all() and frame[19, 40:120].min() == 255
    assert (frame[180:, 360:] == 0).all()  # clipped at the frame's edge
    assert frame[0:20, 0:40].min() == 255


def test_excluded_window_is_black_and_others_untouched():
    guard = guard_with(FakeLister([BANK, NOTES]), exclude=("banking",))
    frame = guard.capture(AREA, white)
    assert (frame[10:40, 20:60] == 0).all()
    assert frame[30:80, 100:150].min() == 255  # notes.txt is not excluded
    assert guard.status.reason == "" and guard.status.matches == {"banking": 1}


def test_app_name_rule_and_a_rule_matching_nothing():
    guard = guard_with(FakeLister([BANK, NOTES]), exclude=("gedit", "Signal"))
    frame = guard.capture(AREA, white)
    assert (frame[30:80, 100:150] == 0).all()
    assert guard.status.matches == {"gedit": 1, "Signal": 0}
    assert matches_per_rule(["Signal"], [BANK, NOTES]) == {"Signal": []}


def test_window_moving_during_the_grab_is_covered_at_both_places():
    lister = FakeLister([BANK])
    moved = WindowInfo(1, BANK.title, "firefox", 220, 100, 40, 30)
    lister.listed = [[BANK], [moved]]
    frame = guard_with(lister, exclude=("banking",)).capture(AREA, white)
    assert (frame[10:40, 20:60] == 0).all() and (frame[50:80, 120:160] == 0).all()


def test_minimised_excluded_window_leaves_the_frame_alone():
    hidden = WindowInfo(1, BANK.title, "firefox", 120, 60, 40, 30, minimised=True)
    frame = guard_with(FakeLister([hidden]), exclude=("banking",)).capture(AREA, white)
    assert frame.min() == 255


def test_focused_pause_app_withholds_the_frame_without_grabbing():
    def grab():
        raise AssertionError("the screen must not be grabbed")

    guard = guard_with(FakeLister([KEEPASS], focused=KEEPASS), pause_apps=("keepassxc",))
    result = guard.capture(AREA, grab)
    assert isinstance(result, Withheld) and "KeePassXC is focused" in result.reason
    assert guard.status.reason == result.reason


def test_unreadable_window_list_pauses_with_a_warning():
    def broken():
        raise WindowListUnavailable("no EWMH")

    guard = PrivacyGuard(PrivacyRules(exclude=("bank",)), broken, locked=lambda: False)
    result = guard.capture(AREA, lambda: pytest.fail("grabbed an unfiltered frame"))
    assert isinstance(result, Withheld)
    assert "exclusions are off" in guard.status.warning and "no EWMH" in guard.status.warning


def test_no_rules_pass_frames_through_without_listing_windows():
    guard = PrivacyGuard(PrivacyRules(pause_when_locked=False), lambda: pytest.fail("listed"))
    assert guard.capture(AREA, white).min() == 255


@pytest.mark.parametrize(
    ("rules", "lister", "battery", "reason"),
    [
        ({"pause_when_locked": True}, FakeLister([], locked=True), None, "the screen is locked"),
        ({"idle_minutes": 5}, FakeLister([], idle=301.0), None, "no input for 5 minutes"),
        ({"idle_minutes": 5}, FakeLister([], idle=10.0), None, ""),
        ({"pause_on_battery": True}, FakeLister([]), False, "on battery power"),
        ({"pause_on_battery": True}, FakeLister([]), True, ""),
    ],
)
def test_session_pauses(monkeypatch, rules, lister, battery, reason):
    class Battery:
        power_plugged = battery

    monkeypatch.setattr(
        "videoscan_core.capture.privacy.session.psutil.sensors_battery", lambda: Battery()
    )
    guard = guard_with(lister, **rules)
    result = guard.capture(AREA, white)
    if reason:
        assert isinstance(result, Withheld) and result.reason == reason
    else:
        assert isinstance(result, np.ndarray)


def test_rules_round_trip_and_bad_values(tmp_path):
    store = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    rules = PrivacyRules(("Bank", " KeePassXC ", "bank"), ("1Password",), False, 15.0, True)
    save_rules(store, rules)
    loaded = load_rules(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    assert loaded.exclude == ("Bank", "KeePassXC") and loaded.pause_apps == ("1Password",)
    assert (loaded.pause_when_locked, loaded.idle_minutes, loaded.pause_on_battery) == (
        False,
        15.0,
        True,
    )
    store.setValue("privacy/idle_minutes", "soon")
    assert load_rules(store).idle_minutes == 0.0


def test_a_failing_lister_fails_closed():
    class Broken(FakeLister):
        def focused(self):
            raise RuntimeError("lister bug")

    guard = guard_with(Broken([BANK]), exclude=("banking",))
    result = guard.capture(AREA, lambda: pytest.fail("grabbed an unfiltered frame"))
    assert isinstance(result, Withheld) and "lister bug" in guard.status.warning
