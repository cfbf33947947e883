"""The desktop app's settings read without Qt, so the server and MCP honour its privacy rules.

Contract: ``app_settings_store(path=None)`` returns a read-only store with the ``value(key,
default)`` verb of QSettings (keys ``group/name``), which ``rules.load_rules`` reads. With
``path`` it reads that INI file (the app's ``--settings-file``); without, the app's own settings
of this user: on Windows the registry key ``HKCU\\Software\\VideoScan\\VideoScan Desktop``, on
macOS ``~/Library/Preferences/com.videoscan.VideoScan Desktop.plist``, elsewhere the INI file
``$XDG_CONFIG_HOME/VideoScan/VideoScan Desktop.conf``. A store that does not exist holds nothing
(every key gives its default: the default rules). A file that exists but cannot be read raises
``VideoScanError`` with one line: rules that cannot be read are not silently dropped.

QSettings' INI syntax as far as the rules need it: ``[group]`` sections (``General`` is the top
level), keys percent-encoded (``%XX``, ``%UXXXX``), values either quoted (``"..."``) or bare, with
C escapes (``\\n``, ``\\t``, ``\\\\``, ``\\"``, ``\\xHH``...) and a bare ``,`` separating a list.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from pathlib import Path
from typing import Any

from ...errors import VideoScanError

ORGANIZATION, APPLICATION = "VideoScan", "VideoScan Desktop"  # the app's QSettings names
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


class SettingsStore:
    """Read-only ``value(key, default)`` over a flat dict of ``group/name`` keys."""

    def __init__(self, values: dict[str, object] | None = None, origin: str = "") -> None:
        self.values = dict(values or {})
        self.origin = origin

    def value(self, key: str, default: object = None) -> object:
        return self.values.get(key, default)


def default_settings_path() -> Path:
    """Where the app keeps its settings file on Linux and other Unix desktops."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / ORGANIZATION / f"{APPLICATION}.conf"


def app_settings_store(path: str | Path | None = None) -> SettingsStore:
    if path is None and sys.platform == "win32":
        return _registry_store()
    if path is None and sys.platform == "darwin":
        plist = Path.home() / "Library" / "Preferences" / f"com.videoscan.{APPLICATION}.plist"
        return _plist_store(plist)
    file = Path(path) if path is not None else default_settings_path()
    if path is None and not file.exists():
        return SettingsStore(origin=str(file))
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise VideoScanError(f"the settings file {file} cannot be read ({reason})") from None
    return SettingsStore(parse_ini(text), str(file))


def parse_ini(text: str) -> dict[str, object]:
    """QSettings INI text as ``{"group/key": value}`` (a str, or a list of str)."""
    values: dict[str, object] = {}
    group = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in ";#":
            continue
        if line.startswith("[") and line.endswith("]"):
            group = _unkey(line[1:-1])
            group = "" if group == "General" else group
            continue
        key, sep, rest = line.partition("=")
        if not sep:
            continue
        name = _unkey(key.strip()).replace("\\", "/")
        values[f"{group}/{name}" if group else name] = _unvalue(rest.strip())
    return values


def _unkey(text: str) -> str:
    def one(match: re.Match) -> str:
        return chr(int(match.group(1) or match.group(2), 16))

    return re.sub(r"%U([0-9A-Fa-f]{4})|%([0-9A-Fa-f]{2})", one, text)


def _unvalue(text: str) -> object:
    """One value: escapes decoded, quotes removed, a bare comma splitting a list."""
    parts: list[str] = []
    current: list[str] = []
    quoted, i = False, 0
    while i < len(text):
        char = text[i]
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            parts.append("".join(current).strip())
            current = []
        elif char == "\\" and i + 1 < len(text):
            i += 1
            code = text[i]
            if code == "x":
                digits = re.match(r"[0-9A-Fa-f]{1,4}", text[i + 1 :])
                if digits:
                    current.append(chr(int(digits.group(0), 16)))
                    i += len(digits.group(0))
            elif code.isdigit():
                octal = re.match(r"[0-7]{1,3}", text[i:])
                if octal is None:  # \8, \9: not octal, kept as written
                    current.append(code)
                else:
                    current.append(chr(int(octal.group(0), 8)))
                    i += len(octal.group(0)) - 1
            else:
                current.append(_ESCAPES.get(code, code))
        else:
            current.append(char)
        i += 1
    last = "".join(current)
    if parts:
        return [*parts, last.strip()]
    return last


def _plist_store(file: Path) -> SettingsStore:
    import plistlib

    if not file.exists():
        return SettingsStore(origin=str(file))
    try:
        with file.open("rb") as handle:
            data = plistlib.load(handle)
    except Exception as error:  # unreadable or not a plist
        raise VideoScanError(f"the settings file {file} cannot be read ({error})") from None
    return SettingsStore({str(k).replace(".", "/"): v for k, v in data.items()}, str(file))


def _registry_store() -> SettingsStore:
    winreg: Any = importlib.import_module("winreg")  # Windows only (untyped elsewhere)

    where = rf"Software\{ORGANIZATION}\{APPLICATION}"
    values: dict[str, object] = {}

    def walk(path: str, prefix: str) -> None:
        try:
            key = winreg.OpenKey(winreg.HKEY_CURRENT_USER, path)
        except OSError:  # no such key: nothing stored
            return
        with key:
            count_keys, count_values, _ = winreg.QueryInfoKey(key)
            for index in range(count_values):
                name, value, _kind = winreg.EnumValue(key, index)
                values[prefix + name] = value
            for index in range(count_keys):
                child = winreg.EnumKey(key, index)
                walk(rf"{path}\{child}", f"{prefix}{child}/")

    walk(where, "")
    return SettingsStore(values, rf"HKEY_CURRENT_USER\{where}")


def use_app_rules(path: str | Path | None = None) -> str:
    """Load the app's privacy rules into ``GUARD`` (the sources' guard) and describe them in one
    line for the server's start-up message."""
    from .guard import GUARD
    from .rules import load_rules

    store = app_settings_store(path)
    rules = load_rules(store)
    GUARD.set_rules(rules)
    parts = [
        f"{len(rules.exclude)} window rule(s) blacked out",
        f"{len(rules.pause_apps)} app(s) pause capture",
    ]
    if rules.pause_when_locked:
        parts.append("paused while the screen is locked")
    return f"privacy rules from {store.origin or 'the defaults'}: {', '.join(parts)}"
