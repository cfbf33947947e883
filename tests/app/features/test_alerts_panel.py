"""Alerts in the app: checked in the worker after frames, shown as chat entries, edited and
persisted through the panel."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from app.features.alerts_panel import AlertsController
from app.settings import AppSettings
from app.widgets.alerts_dialog import ID_ROLE, AlertsDialog

from ..fakes import SlowEngine


def test_an_alert_becomes_a_chat_entry_with_its_frame(
    make_window, qtbot, moving_video, tmp_path, monkeypatch
):
    monkeypatch.setattr("videoscan_core.user_dirs.config_dir", lambda: tmp_path)
    settings = AppSettings(model="slow", source=f"file:{moving_video}", fps=5.0)
    window = make_window(
        settings, engine_factory=lambda r, s: SlowEngine(r.config, step_s=0.02), playback_speed=4.0
    )
    calls = []

    def scorer(engine, text):  # low for two frames, then high for good: one event
        calls.append(text)
        return 0.1 if len(calls) <= 2 else 0.9

    window.alerts.watcher.scorer = scorer
    window.alerts.add("a red shape appears")
    window.show()
    window.start()
    qtbot.waitUntil(lambda: len(calls) >= 6, timeout=30000)
    alerts = [e for e in window.conversation.exchanges if e.question.startswith("Alert: ")]
    assert len(alerts) == 1
    entry = alerts[0]
    assert entry.question == "Alert: a red shape appears" and entry.finished
    assert entry.answer.startswith("Seen at 0:") and "score 0.90" in entry.answer
    assert len(entry.evidence) == 1 and len(entry.evidence_frames) == 1
    assert "Alert: a red shape appears" in window.view.chat._view.toPlainText()
    saved = json.loads((tmp_path / "alerts.json").read_text())
    assert [c["text"] for c in saved["conditions"]] == ["a red shape appears"]


def test_the_panel_adds_edits_switches_off_pauses_and_removes(qtbot, tmp_path):
    path = tmp_path / "alerts.json"
    controller = AlertsController(path)
    dialog = AlertsDialog(controller)
    qtbot.addWidget(dialog)
    dialog.input.setText("a circle appears")
    dialog.input.returnPressed.emit()
    assert dialog.list.count() == 1 and dialog.input.text() == ""
    item = dialog.list.item(0)
    item.setCheckState(Qt.CheckState.Unchecked)
    assert controller.conditions()[0].enabled is False
    item.setText("a blue circle appears")
    assert controller.conditions()[0].text == "a blue circle appears"
    assert json.loads(path.read_text())["conditions"][0]["text"] == "a blue circle appears"
    dialog.pause.setChecked(True)
    dialog.every.setValue(3)
    assert controller.paused and controller.watcher.every == 3
    reopened = AlertsController(path)  # persisted, with the pause and the rate
    assert [(c.text, c.enabled) for c in reopened.conditions()] == [
        ("a blue circle appears", False)
    ]
    assert reopened.paused and reopened.every == 3
    dialog.list.setCurrentRow(0)
    condition_id = dialog.list.item(0).data(ID_ROLE)
    dialog.remove_button.click()
    assert dialog.list.count() == 0 and controller.conditions() == []
    assert condition_id not in path.read_text()


def test_a_damaged_alerts_file_starts_empty(tmp_path):
    path = tmp_path / "alerts.json"
    path.write_text("{broken")
    assert AlertsController(path).conditions() == []
    assert path.read_text() == "{broken"  # left for the user to look at


def test_checking_slower_than_the_frames_is_said_once(qtbot, tmp_path, monkeypatch):
    from types import SimpleNamespace

    controller = AlertsController(tmp_path / "alerts.json")
    controller.add("a red shape")
    controller.add("a blue shape")
    clock = [0.0]

    def slow(engine, text):  # 0.75 s of a fake clock per condition: 1.5 s per frame
        clock[0] += 0.75 if cost[0] else 0.0
        return 0.1

    cost = [True]
    controller.watcher.scorer = slow
    monkeypatch.setattr("videoscan_core.stream.alerts.time.perf_counter", lambda: clock[0])
    said: list[str] = []
    controller.sig_slow.connect(said.append)
    for index in range(3):
        controller._on_frame(None, SimpleNamespace(timestamp=float(index), frame_index=index))
    cost[0] = False  # recovered, then slow again: said a second time
    controller._on_frame(None, SimpleNamespace(timestamp=3.0, frame_index=3))
    cost[0] = True
    controller._on_frame(None, SimpleNamespace(timestamp=4.0, frame_index=4))
    assert len(said) == 2 and "2 alert condition(s) took 1.5 s per frame" in said[0]
