"""What the window says is readable and true: a saved-frames message in a banner with its folder,
banners in a dark palette, sentences that start with a capital, alerts exported and counted as
alerts, a model named once, "every 1 frame", no "0 / ∞" before a model, a microphone error in
plain words."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFileDialog, QPushButton, QVBoxLayout, QWidget

from app.models.conversation import Conversation
from app.settings import AppSettings
from app.widgets.error_banner import ErrorBanner

from .fakes import SlowEngine


def test_saved_frames_are_said_in_a_banner_with_an_open_folder_button(
    make_window, qtbot, moving_video, tmp_path, monkeypatch
):
    from PySide6.QtGui import QAction

    window = make_window(
        AppSettings(model="fake", source=f"file:{moving_video}"),
        engine_factory=lambda request, status: SlowEngine(request.config, step_s=0.0),
    )
    window.start()
    qtbot.waitUntil(lambda: len(window.timeline_model.retained) >= 2, timeout=20000)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    export = next(a for a in window.findChildren(QAction) if a.text().startswith("Export remem"))
    export.trigger()  # File > Export remembered frames
    banner = window.view.banner
    assert banner.isVisibleTo(window) and str(tmp_path) in banner.text
    assert "remembered frames" in banner.text
    buttons = [b.text() for b in banner.findChildren(QPushButton) if b.isVisibleTo(banner)]
    assert "Open folder" in buttons


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#202124"),
        (QPalette.ColorRole.WindowText, "#e8eaed"),
        (QPalette.ColorRole.Base, "#171717"),
        (QPalette.ColorRole.Text, "#e8eaed"),
    ):
        palette.setColor(role, QColor(colour))
    return palette


def test_banners_follow_a_dark_palette(qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    banner = ErrorBanner(window)
    QVBoxLayout(window).addWidget(banner)
    window.setPalette(dark_palette())  # what a dark desktop gives the window
    window.resize(500, 60)
    window.show()
    for show in (lambda: banner.show_message("no model"), lambda: banner.show_note("a note")):
        show()
        colour = banner.grab().toImage().pixelColor(250, 20)
        assert colour.lightness() < 100, colour.name()  # no bright island in a dark window
        text = banner.palette().color(QPalette.ColorRole.WindowText)
        assert text.lightness() > 150  # and its words stay readable
    window.setPalette(QPalette(QColor("#efefef")))  # the desktop turns light again
    assert banner.grab().toImage().pixelColor(250, 20).lightness() > 180


def test_error_sentences_start_with_a_capital(qtbot):
    banner = ErrorBanner()
    qtbot.addWidget(banner)
    banner.show_message("this computer has no CUDA GPU: choose the CPU")
    assert banner.text.startswith("⚠ This computer has no CUDA GPU")
    banner.show_message("pull.mp4: the video stopped at frame 19")  # a name keeps its case
    assert banner.text.startswith("⚠ pull.mp4: the video stopped")


def test_alerts_are_exported_and_counted_as_alerts():
    conversation = Conversation()
    conversation.start(-1, "Alert: a red shape appears", source="alert")
    conversation.finish(-1, "Seen at 0:01 (score 0.98).", None, None, "alert", [1.0], [1])
    conversation.start(1, "What colour?")
    conversation.finish(1, "red", 5.0, 9.0, "eos")
    assert conversation.unsaved == 1  # the answer, not the alert
    markdown = conversation.to_markdown()
    (alert,) = [line for line in markdown.splitlines() if "a red shape appears" in line]
    assert alert.startswith("**Alert**") and "Seen at 0:01" in alert  # not a question
    assert "**A**: Seen at" not in markdown and "**A**: red" in markdown


def test_the_demo_model_is_named_once_and_memory_shows_no_infinity_before_a_model(
    make_window, qtbot
):
    window = make_window(
        AppSettings(model=""),
        engine_factory=lambda request, status: SlowEngine(request.config, step_s=0.0),
    )
    assert "∞" not in window.view.timeline.counter_text  # no model yet: no capacity to show
    with qtbot.waitSignal(window.worker.sig_model_ready, timeout=10000):
        window.start()
    qtbot.waitUntil(lambda: window.view.model_status.text() == "Demo model · cpu · float32")
    qtbot.waitUntil(lambda: window.view.timeline.counter_text == "0 / 64", timeout=5000)


def test_alerts_dialog_says_every_frame_in_the_singular(make_window, qtbot):
    from app.widgets.alerts_dialog import AlertsDialog

    window = make_window(AppSettings(model=""))
    dialog = AlertsDialog(window.alerts, window)
    qtbot.addWidget(dialog)
    dialog.every.setValue(1)
    assert dialog.every.text() == "every 1 frame"
    dialog.every.setValue(3)
    assert dialog.every.text() == "every 3 frames"


def test_a_missing_microphone_is_said_in_plain_words(monkeypatch):
    import app.voice.recorder as recorder

    class NoDevice:
        @staticmethod
        def InputStream(**kwargs):
            raise RuntimeError("Error querying device -1")

    monkeypatch.setattr(recorder, "import_sounddevice", lambda: NoDevice)
    try:
        recorder.MicrophoneRecorder().start()
    except recorder.RecordingError as error:
        message = str(error)
    assert message.startswith("No microphone") and "querying device" not in message
