"""The bundled demo model raises real alerts in the app: on demo video 3 (a red triangle from
second 1, a yellow square from second 3) the worker scores the conditions after each frame with
the real model, and each alert becomes a tray message and a chat entry at the right time. Every
frame is processed (``every_frame``): dropped frames on a busy machine would move the alerts."""

from __future__ import annotations

import pytest

from app.settings import AppSettings
from videoscan_core.paths import bundled_demo_model


@pytest.mark.slow
@pytest.mark.skipif(bundled_demo_model() is None, reason="the demo model is not bundled")
def test_the_demo_model_alerts_when_a_colour_appears(make_window, qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr("videoscan_core.user_dirs.config_dir", lambda: tmp_path)
    settings = AppSettings(model="videoscan-demo", source="demo:3", fps=1.0)
    window = make_window(settings, playback_speed=4.0, every_frame=True)  # any machine speed
    messages = []  # a virtual X screen has no system tray: pretend one, record its messages
    monkeypatch.setattr(window.tray, "available", True)
    monkeypatch.setattr(window.tray.icon, "showMessage", lambda *args: messages.append(args))
    window.alerts.add("a red shape appears")
    window.alerts.add("when a yellow shape appears")
    window.show()
    window.start()

    def alerts():
        return [e for e in window.conversation.exchanges if e.question.startswith("Alert: ")]

    qtbot.waitUntil(lambda: len(alerts()) >= 2, timeout=600000)  # a cap, not a pace
    seen = {entry.question: entry.answer for entry in alerts()}
    assert seen["Alert: a red shape appears"].startswith("Seen at 0:01")
    assert seen["Alert: when a yellow shape appears"].startswith("Seen at 0:03")
    shown = window.view.chat._view.toPlainText()
    assert "Alert: a red shape appears" in shown and "You: Alert" not in shown  # not the user's
    texts = [message[1] for message in messages]
    assert "a red shape appears (0:01)" in texts and "when a yellow shape appears (0:03)" in texts
