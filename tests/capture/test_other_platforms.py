"""Window lists of macOS and the monitor list, with the platform APIs replaced by fakes (the
real Quartz and user32 need those machines)."""

from __future__ import annotations

import sys
import types

from videoscan_core.capture.privacy.listers import make_lister
from videoscan_core.capture.privacy.windows import WindowListUnavailable


def fake_quartz(entries_on_screen, entries_all):
    quartz = types.ModuleType("Quartz")
    quartz.kCGWindowListOptionOnScreenOnly = 1
    quartz.kCGWindowListExcludeDesktopElements = 16
    quartz.kCGWindowListOptionAll = 0
    quartz.kCGNullWindowID = 0
    quartz.CGWindowListCopyWindowInfo = lambda options, _: (
        entries_on_screen if options & 1 else entries_all
    )
    return quartz


def entry(number, owner, name, x, y, w, h, layer=0, pid=10):
    return {
        "kCGWindowNumber": number,
        "kCGWindowOwnerName": owner,
        "kCGWindowName": name,
        "kCGWindowBounds": {"X": x, "Y": y, "Width": w, "Height": h},
        "kCGWindowLayer": layer,
        "kCGWindowOwnerPID": pid,
    }


def test_quartz_windows_are_listed_bottom_to_top_with_minimised_ones(monkeypatch):
    front = entry(1, "KeePassXC", "Passwords.kdbx", 10, 20, 300, 200)
    back = entry(2, "Safari", "Bank", 0, 0, 800, 600)
    menu = entry(3, "Window Server", "Menubar", 0, 0, 1440, 24, layer=25)
    hidden = entry(4, "Mail", "Inbox", 50, 50, 400, 300)
    monkeypatch.setitem(
        sys.modules, "Quartz", fake_quartz([front, back, menu], [front, back, menu, hidden])
    )
    lister = make_lister("darwin")
    windows = lister.windows()
    assert [(w.app, w.title, w.minimised) for w in windows] == [
        ("Mail", "Inbox", True),
        ("Safari", "Bank", False),
        ("KeePassXC", "Passwords.kdbx", False),
    ]
    assert windows[-1].rect == (10, 20, 300, 200)
    assert lister.window(2).title == "Bank" and lister.window(99) is None


def test_quartz_missing_means_no_window_list(monkeypatch):
    monkeypatch.setitem(sys.modules, "Quartz", None)  # import fails
    try:
        make_lister("darwin")
    except WindowListUnavailable as error:
        assert "pyobjc-framework-Quartz" in str(error)
    else:
        raise AssertionError("expected WindowListUnavailable")


def test_windows_lister_needs_user32(monkeypatch):
    try:
        make_lister("win32")
    except WindowListUnavailable as error:
        assert "user32" in str(error)
    else:
        raise AssertionError("expected WindowListUnavailable off Windows")


def test_several_monitors_are_listed_with_geometry_and_the_choice_shown(qtbot, monkeypatch):
    from app.widgets import source_picker

    monkeypatch.setattr(
        source_picker,
        "list_monitors",
        lambda: [(1, "Screen 1 (1920x1080 at 0,0)"), (2, "Screen 2 (1280x1024 at 1920,0)")],
    )
    picker = source_picker.SourcePicker()
    qtbot.addWidget(picker)
    assert picker.itemText(1) == "Screen 2 (1280x1024 at 1920,0)"
    picker.set_current("screen:2")  # as restored from the settings at start
    assert picker.currentText().startswith("Screen 2") and picker.current_spec == "screen:2"
