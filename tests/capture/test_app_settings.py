"""The core reads the privacy rules the app saved, through QSettings' own INI files, without Qt."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtCore import QSettings

from videoscan_core.capture.privacy.app_settings import (
    app_settings_store,
    default_settings_path,
    parse_ini,
    use_app_rules,
)
from videoscan_core.capture.privacy.guard import GUARD
from videoscan_core.capture.privacy.rules import PrivacyRules, load_rules, save_rules
from videoscan_core.errors import VideoScanError

AWKWARD = PrivacyRules(
    exclude=("VS Secret", "Bank, \"Private\"; =1", "Zürich – 東京", "tab\there", " lead", "a\\b"),
    pause_apps=("KeePassXC", "1Password"),
    pause_when_locked=False,
    idle_minutes=2.5,
    pause_on_battery=True,
)


def test_rules_saved_by_qsettings_read_back_the_same_without_qt(tmp_path):
    path = tmp_path / "settings.ini"
    store = QSettings(str(path), QSettings.Format.IniFormat)
    save_rules(store, AWKWARD)
    store.setValue("model", "videoscan-demo")  # other groups and the top level are skipped over
    store.setValue("window/geometry", b"\x00\x01binary")
    store.sync()
    expected = load_rules(QSettings(str(path), QSettings.Format.IniFormat))
    read = load_rules(app_settings_store(path))
    assert read == expected
    assert read.exclude[0] == "VS Secret" and "Zürich – 東京" in read.exclude


def test_lists_quotes_and_escapes_of_the_ini_syntax():
    values = parse_ini(
        '[General]\ntop=1\n[privacy]\nexclude=a\\nb\nlist=x, "y, z", w\n'
        'quoted="  spaced  "\n%U00E9t%C3%A9=1\n; comment\n'
    )
    assert values["top"] == "1"
    assert values["privacy/exclude"] == "a\nb"
    assert values["privacy/list"] == ["x", "y, z", "w"]
    assert values["privacy/quoted"] == "  spaced  "


def test_the_default_path_is_where_the_app_keeps_its_settings(tmp_path):
    code = (
        "from PySide6.QtCore import QSettings\n"
        "s = QSettings(QSettings.Format.NativeFormat, QSettings.Scope.UserScope,"
        " 'VideoScan', 'VideoScan Desktop')\n"
        "print(s.fileName())\n"
    )
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path)}
    qt_path = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    os.environ["XDG_CONFIG_HOME"], saved = str(tmp_path), os.environ.get("XDG_CONFIG_HOME")
    try:
        assert str(default_settings_path()) == qt_path
        assert load_rules(app_settings_store()) == PrivacyRules()  # no file yet: the defaults
    finally:
        if saved is None:
            del os.environ["XDG_CONFIG_HOME"]
        else:
            os.environ["XDG_CONFIG_HOME"] = saved


def test_rules_are_loaded_into_the_guard_and_an_unreadable_file_is_refused(tmp_path):
    path = tmp_path / "s.ini"
    save_rules(QSettings(str(path), QSettings.Format.IniFormat), AWKWARD)
    try:
        line = use_app_rules(path)
        assert GUARD.rules == load_rules(app_settings_store(path))
        assert "6 window rule(s)" in line and str(path) in line
    finally:
        GUARD.set_rules(PrivacyRules())
    path.write_bytes(b"\xff\xfe not text")
    with pytest.raises(VideoScanError, match="cannot be read"):
        use_app_rules(path)
    with pytest.raises(VideoScanError, match="cannot be read"):
        use_app_rules(tmp_path)  # a folder
