"""Every setting through a real INI file: saved, read back (a new QSettings on the same file),
written by hand, rejected when bad (default used, reported once, file untouched) and applied to a
running window. Each field is a case, so a field that is dropped, misread or not applied fails."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from app.scripting.startup_checks import show_settings_problems
from app.settings import AppSettings, problems_message
from tests.ports import free_port

# a value different from the default for every field, chosen to trip INI parsing
CHANGED = {
    "model": "/models/my model, v2 (ü)",
    "device": "cpu",
    "dtype": "bfloat16",
    "memory_size": 17,
    "fps": 2.5,
    "change_threshold": 0.125,
    "position_mode": "monotonic",
    "keep_topk": 3,
    "recent_frames": 2,
    "source": "region:10,20,300,200",
    "max_new_tokens": 33,
    "speech_model": "base",
    "voice_language": "auto",
    "voice_autosend": False,
    "max_recording_s": 12.5,
    "speak_answers": True,
    "api_server": True,
    "api_port": 9123,
    "api_key": "k-123",
    "screen_text": False,
    "screen_text_max_lines": 500,
    "screen_text_max_mb": 8,
    "screen_text_history": True,
    "screen_text_retention_days": 7,
}
# the same values as a person writes them in the file
HAND_WRITTEN = {
    "model": '"/models/my model, v2 (ü)"',
    "device": "cpu",
    "dtype": "bfloat16",
    "memory_size": "17",
    "fps": "2.5",
    "change_threshold": "0.125",
    "position_mode": "monotonic",
    "keep_topk": "3",
    "recent_frames": "2",
    "source": '"region:10,20,300,200"',
    "max_new_tokens": "33",
    "speech_model": "base",
    "voice_language": "auto",
    "voice_autosend": "false",
    "max_recording_s": "12.5",
    "speak_answers": "true",
    "api_server": "true",
    "api_port": "9123",
    "api_key": "k-123",
    "screen_text": "false",
    "screen_text_max_lines": "500",
    "screen_text_max_mb": "8",
    "screen_text_history": "true",
    "screen_text_retention_days": "7",
}
BAD = [
    ("keep_topk", "-1"),
    ("recent_frames", "-3"),
    ("position_mode", "bogus"),
    ("dtype", "float64"),
    ("memory_size", "lots"),
    ("memory_size", "0"),
    ("fps", "nan"),
    ("fps", "inf"),
    ("fps", "99"),
    ("change_threshold", "-0.5"),
    ("max_new_tokens", "1.5"),
    ("max_recording_s", "0"),
    ("device", "quantum"),
    ("voice_autosend", "maybe"),
    ("api_port", "80"),
    ("keep_topk", "100000"),
    ("source", "a,b"),  # unquoted: QSettings reads a list
    ("screen_text_max_lines", "5"),
    ("screen_text_max_mb", "0"),
    ("screen_text_retention_days", "forever"),
]


def test_every_field_has_a_case():
    names = {field.name for field in dataclasses.fields(AppSettings)}
    assert set(CHANGED) == names and set(HAND_WRITTEN) == names
    assert all(CHANGED[name] != getattr(AppSettings(), name) for name in names)


def ini(tmp_path, lines: dict[str, str]) -> Path:
    path = tmp_path / "settings.ini"
    body = "".join(f"{key}={value}\n" for key, value in lines.items())
    path.write_text("[General]\n" + body, encoding="utf-8")
    return path


def reopen(path) -> QSettings:
    return QSettings(str(path), QSettings.Format.IniFormat)


@pytest.mark.parametrize("name", sorted(CHANGED))
def test_a_saved_field_reads_back_from_the_file(name, tmp_path):
    path = tmp_path / "saved.ini"
    changed = AppSettings().with_changes(**{name: CHANGED[name]})
    store = reopen(path)
    changed.save(store)
    del store
    assert f"{name}=" in path.read_text(encoding="utf-8")
    loaded, problems = AppSettings.load_checked(reopen(path))
    assert problems == []
    assert getattr(loaded, name) == CHANGED[name] and loaded == changed


def test_all_fields_round_trip_together(tmp_path):
    path = tmp_path / "all.ini"
    changed = AppSettings(**CHANGED)
    changed.save(reopen(path))
    assert AppSettings.load_checked(reopen(path)) == (changed, [])


@pytest.mark.parametrize("name", sorted(HAND_WRITTEN))
def test_a_hand_written_field_is_read(name, tmp_path):
    path = ini(tmp_path, {name: HAND_WRITTEN[name]})
    loaded, problems = AppSettings.load_checked(reopen(path))
    assert problems == [] and getattr(loaded, name) == CHANGED[name]


@pytest.mark.parametrize("value", ["false", "False", "0", "no", "off"])
def test_a_saved_false_reads_back_false(value, tmp_path):
    loaded = AppSettings.load(reopen(ini(tmp_path, {"voice_autosend": value})))
    assert loaded.voice_autosend is False


@pytest.mark.parametrize(("name", "value"), BAD)
def test_a_bad_value_falls_back_is_named_and_the_file_is_kept(name, value, tmp_path):
    path = ini(
        tmp_path, {"memory_size": "12", name: value} if name != "memory_size" else {name: value}
    )
    before = path.read_bytes()
    loaded, problems = AppSettings.load_checked(reopen(path))
    assert getattr(loaded, name) == getattr(AppSettings(), name)
    assert len(problems) == 1 and problems[0].startswith(f"{name}="), problems
    if name != "memory_size":
        assert loaded.memory_size == 12  # the good values are kept
    loaded.engine_config()  # and the result can start
    assert path.read_bytes() == before
    assert "\n" not in problems_message(problems)


def test_bad_settings_are_shown_once_in_the_banner_and_the_log(
    make_window, tiny_engine_factory, tmp_path, caplog
):
    path = ini(tmp_path, {"keep_topk": "-1", "position_mode": "bogus", "dtype": "float64"})
    settings, problems = AppSettings.load_checked(reopen(path))
    window = make_window(settings.with_changes(model="tiny"), engine_factory=tiny_engine_factory)
    window.start()
    with caplog.at_level("WARNING", logger="videoscan"):
        show_settings_problems(window.view.banner, problems)
    (shown,) = window.view.banner.messages
    assert "keep_topk=" in shown and "position_mode=" in shown and "dtype=" in shown
    assert [r.getMessage() for r in caplog.records] == [shown]
    assert window.report.error_messages == []  # a note for people, not a failed run


@pytest.mark.slow
def test_the_app_starts_with_a_bad_settings_file(tmp_path):
    """Before: traceback, then SIGABRT at every start. Now: defaults, a warning, an answer."""
    from tests.app_fixtures import write_video

    clip = write_video(tmp_path / "clip.mp4", 10)
    path = ini(tmp_path, {"keep_topk": "-1", "recent_frames": "-3", "position_mode": "bogus"})
    before = path.read_bytes()
    report = tmp_path / "report.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "app.main",
            "--settings-file",
            str(path),
            "--source",
            f"file:{clip}",
            "--model",
            "videoscan-demo",
            "--ask",
            "What is shown?",
            "--ask-after-frames",
            "2",
            "--exit-after-answer",
            "--playback-speed",
            "4",
            "--report-json",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        env={**__import__("os").environ, "XDG_STATE_HOME": str(tmp_path / "state")},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stderr.count("Some saved settings were not valid") == 1
    assert len(json.loads(report.read_text())["answers"]) == 1
    assert path.read_bytes() == before  # not rewritten: only the user's Save does that


# -- applied live: each field reaches the part of the app that uses it -----------------------


@pytest.fixture
def live_window(make_window, tiny_engine_factory, monkeypatch, settings_store, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the screen-text history
    window = make_window(AppSettings(model="tiny"), engine_factory=tiny_engine_factory)
    calls: list[tuple] = []
    worker, voice = window.worker, window.voice
    monkeypatch.setattr(worker, "load_model", lambda m, c: calls.append(("load", m, c)))
    monkeypatch.setattr(worker, "reset_stream", lambda c=None: calls.append(("reset", c)))
    monkeypatch.setattr(worker, "set_memory_size", lambda m: calls.append(("memory", m)))
    monkeypatch.setattr(voice, "set_options", lambda o, s: calls.append(("voice", o, s)))
    monkeypatch.setattr(window, "ask", lambda q, source="typed": calls.append(("ask", q)))
    return window, calls


def applied(window, calls, qtbot, name, value):
    """Where the new value of ``name`` went, read back from the app's parts."""
    if name in ("model", "device", "dtype"):
        (load,) = [c for c in calls if c[0] == "load"]
        config = load[2]
        return {"model": load[1], "device": config.device, "dtype": config.dtype}[name]
    if name in ("position_mode", "keep_topk", "recent_frames"):
        (reset,) = [c for c in calls if c[0] == "reset"]
        return getattr(reset[1], name)
    if name == "memory_size":
        return [c for c in calls if c[0] == "memory"][0][1]
    if name == "fps":
        qtbot.waitUntil(lambda: window.capture.fps == value, timeout=5000)
        return window.capture.fps
    if name == "change_threshold":
        qtbot.waitUntil(lambda: window.capture.detector.threshold == value, timeout=5000)
        return window.capture.detector.threshold
    if name == "max_new_tokens":
        return window.worker.options.max_new_tokens
    if name in ("speech_model", "voice_language", "max_recording_s"):
        (voice,) = [c for c in calls if c[0] == "voice"]
        options, seconds = voice[1], voice[2]
        language = options.language if options.language is not None else "auto"
        return {
            "speech_model": options.model,
            "voice_language": language,
            "max_recording_s": seconds,
        }[name]
    if name == "voice_autosend":
        window._on_transcript("what was that")
        sent = any(c[0] == "ask" for c in calls)
        assert sent or window.view.chat.input.text() == "what was that"
        return sent
    if name == "source":
        return window.settings.source  # the source changes through the picker, not Settings
    if name == "api_server":
        return window.api.server is not None  # the API for other programs started
    if name.startswith("screen_text"):
        memory = window.screen_text.memory  # rebuilt for the new settings (None when off)
        return {
            "screen_text": memory is not None,
            "screen_text_max_lines": memory and memory.max_lines,
            "screen_text_max_mb": memory and memory.max_bytes // (1024 * 1024),
            "screen_text_history": memory and memory.store.path is not None,
            "screen_text_retention_days": window.settings.screen_text_retention_days,
        }[name]
    if name in ("speak_answers", "api_port", "api_key"):
        return getattr(window.settings, name)  # read when an answer comes / the API starts
    raise AssertionError(f"no live check for {name}")


@pytest.mark.parametrize("name", sorted(CHANGED))
def test_a_changed_field_applies_live_and_is_saved(name, live_window, qtbot, settings_store):
    window, calls = live_window
    changes = {name: CHANGED[name]}
    if name == "api_server":  # the server really starts: with a key, on a free port (never
        changes.update(api_port=free_port(), api_key="k-123")  # the default one)
    new = window.settings.with_changes(**changes)
    window.apply_settings(new)
    assert applied(window, calls, qtbot, name, CHANGED[name]) == CHANGED[name]
    if name in ("model", "device", "dtype"):  # saved only once the new model is ready
        assert AppSettings.load(reopen(settings_store.fileName())) != new
        ready = {"source": new.model, "device": "cpu", "dtype": "float32"}
        window.worker.sig_model_ready.emit(ready)
    assert window.settings == new
    assert AppSettings.load(reopen(settings_store.fileName())) == new
