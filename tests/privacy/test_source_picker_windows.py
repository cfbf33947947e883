"""The source picker: a "Window…" entry listing open windows, and one line on Wayland."""

from __future__ import annotations

import pytest

from app.widgets import source_picker as picker_module
from app.widgets.source_picker import WAYLAND_LINE, WINDOW, SourcePicker
from videoscan_core.capture.base import CaptureError, SourceSpec
from videoscan_core.capture.privacy.windows import WindowInfo

WINDOWS = [
    WindowInfo(1, "notes.txt - gedit", "gedit", 0, 0, 10, 10),
    WindowInfo(2, "Inbox - Thunderbird", "thunderbird", 0, 0, 10, 10),
    WindowInfo(3, "", "panel", 0, 0, 10, 10),
]


class Lister:
    def windows(self):
        return WINDOWS

    def close(self):
        pass


def test_window_entry_lists_open_windows_topmost_first(qtbot, monkeypatch):
    monkeypatch.setattr(picker_module, "make_lister", lambda: Lister())
    offered = {}

    def get_item(parent, title, label, items, current, editable):
        offered["items"] = items
        return items[0], True

    monkeypatch.setattr(picker_module.QInputDialog, "getItem", get_item)
    picker = SourcePicker()
    qtbot.addWidget(picker)
    with qtbot.waitSignal(picker.sig_source_chosen) as chosen:
        picker._on_activated(picker.findData(WINDOW))
    assert offered["items"] == ["Inbox - Thunderbird [thunderbird]", "notes.txt - gedit [gedit]"]
    assert chosen.args == ["window:Inbox - Thunderbird"]
    assert picker.currentText() == "Window 'Inbox - Thunderbird'"


def test_cancelled_window_choice_keeps_the_old_source(qtbot, monkeypatch):
    monkeypatch.setattr(picker_module, "make_lister", lambda: Lister())
    monkeypatch.setattr(picker_module.QInputDialog, "getItem", lambda *a: ("", False))
    picker = SourcePicker()
    qtbot.addWidget(picker)
    picker.set_current("webcam:0")
    picker._on_activated(picker.findData(WINDOW))
    assert picker.current_spec == "webcam:0"


def test_wayland_without_xwayland_says_so_in_one_line(qtbot, monkeypatch):
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    picker = SourcePicker(camera_probe=lambda: [0])
    qtbot.addWidget(picker)
    qtbot.waitUntil(lambda: picker.cameras_checked, timeout=5000)
    assert picker.itemText(0) == WAYLAND_LINE and not picker.model().item(0).isEnabled()
    specs = [picker.itemData(i) for i in range(picker.count())]
    assert "webcam:0" in specs and "file…" in specs
    assert not [s for s in specs if str(s).startswith("screen:") or s == WINDOW]
    assert picker.current_spec == "demo:1"


def test_window_specs():
    assert SourceSpec.parse("window: Firefox ").path == "Firefox"
    with pytest.raises(CaptureError, match="needs a piece of its title"):
        SourceSpec.parse("window:")


def test_watching_a_window_that_cannot_be_found_is_refused_with_a_reason():
    from videoscan_core.capture.privacy.windows import WindowListUnavailable
    from videoscan_core.capture.window_source import WindowSource

    with pytest.raises(CaptureError, match="no open window matches 'Skype'"):
        WindowSource("Skype", lambda: Lister()).open()

    def broken():
        raise WindowListUnavailable("no X display")

    with pytest.raises(CaptureError, match="cannot watch a window: no X display"):
        WindowSource("gedit", broken).open()
