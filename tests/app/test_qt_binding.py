"""The pinned Qt binding keeps ``None``'s reference count: PySide6 6.12.0 on Python 3.11 lost one
per void Qt call and the app aborted after minutes of watching ("none_dealloc")."""

from __future__ import annotations

import sys

from app import qt_binding_check


def test_a_thousand_void_qt_calls_keep_the_reference_count_of_none(qapp):
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtWidgets import QLabel

    label, image, colour = QLabel(), QImage(8, 8, QImage.Format.Format_RGB32), QColor(1, 2, 3)
    painter = QPainter(image)
    label.setText("warm-up")
    painter.fillRect(0, 0, 2, 2, colour)
    before = sys.getrefcount(None)
    for _ in range(1000):
        label.setText("x")
    after_labels = sys.getrefcount(None)
    for _ in range(1000):  # what the timeline and plots call on every repaint
        painter.fillRect(0, 0, 2, 2, colour)
        painter.setPen(colour)
        painter.drawLine(0, 0, 3, 3)
        label.update()
    after_paint = sys.getrefcount(None)
    painter.end()
    assert after_labels - before == 0
    assert after_paint - after_labels == 0


def test_the_start_up_check_passes_on_this_binding_and_names_the_fix_on_a_leaking_one(
    qapp, monkeypatch
):
    assert qt_binding_check.binding_problem() is None
    monkeypatch.setattr(qt_binding_check, "none_reference_leak", lambda calls=200: calls)
    message = qt_binding_check.binding_problem()
    assert message is not None and "PySide6-Essentials==6.11.3" in message
    assert "\n" not in message


def test_the_probe_counts_references_lost_and_only_lost(monkeypatch):
    """A fake label that drops one reference to ``None`` per probe call (a leaking binding) and
    one that keeps them: the probe counts the drops, never a gain (planted: a swapped sign)."""
    import PySide6.QtWidgets as widgets

    class Leaking:
        def __init__(self):
            self.held = [None] * 1000

        def setText(self, text):  # noqa: N802 - Qt's name
            if text == "probe":
                self.held.pop()

        def deleteLater(self):  # noqa: N802
            pass

    class Gaining(Leaking):
        def setText(self, text):  # noqa: N802
            self.held.append(None)

    monkeypatch.setattr(widgets, "QLabel", Leaking)
    assert qt_binding_check.none_reference_leak(200) == 200
    monkeypatch.setattr(widgets, "QLabel", Gaining)
    assert qt_binding_check.none_reference_leak(200) == 0


def test_a_leak_of_half_the_probe_calls_or_more_is_refused(monkeypatch):
    half = qt_binding_check.PROBE_CALLS // 2
    monkeypatch.setattr(qt_binding_check, "none_reference_leak", lambda calls=200: half - 1)
    assert qt_binding_check.binding_problem() is None
    monkeypatch.setattr(qt_binding_check, "none_reference_leak", lambda calls=200: half)
    assert qt_binding_check.binding_problem() is not None
