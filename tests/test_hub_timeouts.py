"""A hub that accepts connections and never answers: downloads and model loads end within their
time limits, say that they are stalled, and Cancel ends them within a second (CLI and app)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.test_model_download_hub import REPO, hub_home  # noqa: F401 - fixture
from videoscan_core.errors import ModelNotFoundError
from videoscan_core.hub import catalogue, downloads, timeouts
from videoscan_core.hub.hardware import Hardware


class HangingServer:
    """Accepts TCP connections on 127.0.0.1 and never sends a byte."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted: list[socket.socket] = []
        self.connected = threading.Event()
        self._stop = threading.Event()
        self.sock.settimeout(0.05)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(conn)
            self.connected.set()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for conn in self.accepted:
            conn.close()
        self.sock.close()


@pytest.fixture
def hanging(hub_home, monkeypatch) -> Iterator[HangingServer]:  # noqa: F811
    from huggingface_hub import constants

    server = HangingServer()
    monkeypatch.setattr(constants, "ENDPOINT", server.url)
    template = server.url + "/{repo_id}/resolve/{revision}/{filename}"
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", template)
    yield server
    server.close()


def in_thread(call) -> tuple[threading.Thread, dict]:
    """Run ``call`` in a daemon thread (so a hang fails the test instead of blocking it)."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_every_hub_request_gets_time_limits(monkeypatch):
    monkeypatch.setenv("VIDEOSCAN_HUB_READ_TIMEOUT", "7")

    class Request:
        extensions = {"timeout": {"connect": None, "read": 3.0, "write": None, "pool": None}}

    timeouts._fill_timeouts(Request)
    assert Request.extensions["timeout"] == {
        "connect": timeouts.CONNECT_S,
        "read": 3.0,  # a limit the library chose is kept
        "write": 7.0,
        "pool": 7.0,
    }


def test_a_hub_that_never_answers_fails_within_its_limit(hanging, monkeypatch):
    monkeypatch.setenv("VIDEOSCAN_HUB_READ_TIMEOUT", "0.3")
    started = time.monotonic()
    thread, outcome = in_thread(lambda: downloads.download(REPO, disk_free=lambda path: 10**12))
    thread.join(20)
    assert not thread.is_alive(), "the download hangs"
    error = outcome.get("error")
    assert isinstance(error, downloads.DownloadError), outcome
    assert "the Hugging Face hub did not answer within 0.3 s" in str(error)
    assert time.monotonic() - started < 20
    assert len(hanging.accepted) >= 2  # the metadata request was tried again


def test_a_hub_that_cannot_be_reached_is_not_called_slow(hub_home, monkeypatch):  # noqa: F811
    """A refused connection fails at once: the message names no time limit it did not wait."""
    from huggingface_hub import constants

    from tests.ports import free_port

    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    monkeypatch.setattr(constants, "ENDPOINT", url)
    monkeypatch.setattr(
        constants, "HUGGINGFACE_CO_URL_TEMPLATE", url + "/{repo_id}/resolve/{revision}/{filename}"
    )
    with pytest.raises(downloads.DownloadError) as caught:
        downloads.download(REPO, disk_free=lambda path: 10**12)
    message = str(caught.value)
    assert "cannot reach the Hugging Face hub" in message and "within" not in message, message


def test_cancel_ends_a_hanging_download_within_a_second(hanging):
    cancel = threading.Event()
    thread, outcome = in_thread(lambda: downloads.download(REPO, cancel=cancel))
    assert hanging.connected.wait(10)
    cancelled_at = time.monotonic()
    cancel.set()
    thread.join(1.0)
    assert not thread.is_alive() and time.monotonic() - cancelled_at < 1.0
    assert isinstance(outcome.get("error"), downloads.DownloadCancelled), outcome


def test_a_stalled_download_says_so(hanging, monkeypatch):
    monkeypatch.setattr(downloads, "STALL_S", 0.2)
    reports: list[downloads.DownloadProgress] = []
    stalled = threading.Event()
    cancel = threading.Event()

    def on_progress(progress: downloads.DownloadProgress) -> None:
        reports.append(progress)
        if progress.stalled_s:
            stalled.set()

    thread, _ = in_thread(lambda: downloads.download(REPO, on_progress, cancel))
    assert stalled.wait(10)
    cancel.set()
    thread.join(2)
    assert reports[-1].stalled_s >= 0.2
    from app.widgets.model_manager import describe_progress

    assert describe_progress(reports[-1]).startswith("Stalled: no data from the Hugging Face hub")


def test_loading_a_model_from_a_hanging_hub_fails_within_its_limit(hanging, monkeypatch):
    from videoscan_core.adapters.loading import resolve_model_folder

    monkeypatch.setenv("VIDEOSCAN_HUB_READ_TIMEOUT", "0.5")
    thread, outcome = in_thread(lambda: resolve_model_folder(REPO))
    thread.join(30)
    assert not thread.is_alive(), "loading hangs"
    assert isinstance(outcome.get("error"), ModelNotFoundError), outcome


def test_the_model_manager_cancels_a_hanging_download_at_once(hanging, qtbot):
    from app.settings import AppSettings
    from app.widgets.model_manager import ModelManagerDialog

    dialog = ModelManagerDialog(AppSettings(), hardware=Hardware(2, 24.0))
    qtbot.addWidget(dialog)
    assert not catalogue.entry(dialog.selected().id).bundled
    dialog.download_button.click()
    thread = dialog.download_thread
    assert hanging.connected.wait(10)
    with qtbot.waitSignal(thread.finished, timeout=1000):
        dialog.cancel_button.click()
    assert dialog.download_thread is None and "cancelled" in dialog.status.text()
    assert dialog.download_button.isEnabled()


def test_quitting_during_a_hanging_download_is_clean(hanging, qtbot):
    """Closing the manager hands the thread to the window; the window's shutdown (cancel, then
    a bounded wait) finds it finished at once instead of destroying a running QThread."""
    from PySide6.QtWidgets import QWidget

    from app.settings import AppSettings
    from app.widgets.model_manager import ModelManagerDialog

    owner = QWidget()
    qtbot.addWidget(owner)
    dialog = ModelManagerDialog(AppSettings(), owner, hardware=Hardware(2, 24.0))
    dialog.download_button.click()
    thread = dialog.download_thread
    assert hanging.connected.wait(10)
    dialog.reject()
    started = time.monotonic()
    assert thread.wait(1000) and time.monotonic() - started < 1.0
    assert not thread.isRunning()


def test_the_cli_says_a_download_is_stalled_every_10_s(monkeypatch, capsys, tmp_path):
    from videoscan_core.cli import models as cli_models

    def stalled_download(model_id, show):
        for seconds in (5, 6, 7, 15, 16, 25.5):
            show(downloads.DownloadProgress(0, 0, 0.0, stalled_s=seconds))
        return tmp_path

    monkeypatch.setattr(downloads, "download", stalled_download)
    assert cli_models._download("acme/x") == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if "no data" in line]
    assert [line.split(" for ")[1].split(" s;")[0] for line in lines] == ["5", "15", "26"]
