"""The model manager: the catalogue, what is installed, a recommendation, and downloads.

Contract: ``ModelManagerDialog(settings)`` lists ``hub.catalogue.CATALOGUE`` with sizes,
memory and install state, and what this machine should use. *Download* runs in a
``DownloadThread`` (never on the GUI thread) with a progress bar showing bytes, speed and time
left, and *Cancel* (a later download keeps the finished files). *Use* returns the chosen model
or speech model as changed ``AppSettings`` (``chosen_settings``); *Folder…* picks a local model
folder instead. The list also shows runnable models already in the Hugging Face cache and marks
the one in use; a folder or model is checked (``check_model``) before it is returned, so a
broken choice never replaces the working model (the reason is shown here, in one line).
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from videoscan_core.adapters.model_check import ModelCheck, check_model, installed_models
from videoscan_core.errors import VideoScanError
from videoscan_core.hub import catalogue, downloads, recommendation
from videoscan_core.hub.hardware import Hardware, detect_hardware
from videoscan_core.hub.speed import describe as describe_speed

from ..settings import AppSettings

COLUMNS = ("Model", "Kind", "Download", "Memory", "Installed")


def human_bytes(count: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.1f} {unit}" if unit != "B" else f"{count:.0f} B"
        count /= 1024
    return f"{count:.1f} GB"


def describe_progress(progress: downloads.DownloadProgress) -> str:
    if progress.stalled_s:
        done = f"{human_bytes(progress.downloaded)} so far; " if progress.downloaded else ""
        return (
            f"Stalled: no data from the Hugging Face hub for {progress.stalled_s:.0f} s "
            f"({done}still trying; Cancel stops and keeps finished files)"
        )
    left = progress.seconds_left
    eta = (
        f", {left / 60:.0f} min left"
        if left and left > 90
        else (f", {left:.0f} s left" if left is not None else "")
    )
    return (
        f"{human_bytes(progress.downloaded)} of {human_bytes(progress.total)} at "
        f"{human_bytes(progress.bytes_per_second)}/s{eta}"
    )


class DownloadThread(QThread):
    sig_progress = Signal(object)  # DownloadProgress
    sig_done = Signal(str)  # folder
    sig_failed = Signal(str)

    def __init__(self, model_id: str, downloader=downloads.download) -> None:
        super().__init__()
        self.model_id = model_id
        self.downloader = downloader
        self.cancel = threading.Event()

    def run(self) -> None:
        try:
            path = self.downloader(self.model_id, self.sig_progress.emit, self.cancel)
        except downloads.DownloadCancelled as error:
            self.sig_failed.emit(str(error))
        except Exception as error:
            self.sig_failed.emit(str(error))
        else:
            self.sig_done.emit(str(path))


class ModelManagerDialog(QDialog):
    def __init__(
        self,
        settings: AppSettings,
        parent: QWidget | None = None,
        downloader=downloads.download,
        hardware: Hardware | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Models")
        self.settings = settings
        self.chosen_settings: AppSettings | None = None
        self.downloader = downloader
        self.download_thread: DownloadThread | None = None
        best, why = recommendation.recommend(hardware or detect_hardware())
        self.recommended = best
        self.recommendation = QLabel(f"<b>Recommended here:</b> {best.title}. {why}")
        self.recommendation.setWordWrap(True)
        known = {item.id for item in catalogue.CATALOGUE}
        self.cached: list[ModelCheck] = [m for m in installed_models() if m.source not in known]
        self.table = QTableWidget(len(catalogue.CATALOGUE) + len(self.cached), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.refresh()
        self.progress = QProgressBar()
        self.progress.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.download_button = QPushButton("Download")
        self.download_button.clicked.connect(self._on_download)
        self.cancel_button = QPushButton("Cancel download")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self._on_cancel)
        self.use_button = QPushButton("Use")
        self.use_button.clicked.connect(self._on_use)
        folder = QPushButton("Folder…")
        folder.setToolTip("Use a model folder on this computer instead")
        folder.clicked.connect(self._on_folder)
        row = QHBoxLayout()
        for widget in (self.download_button, self.cancel_button, self.use_button, folder):
            row.addWidget(widget)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.recommendation)
        layout.addWidget(self.table)
        layout.addLayout(row)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(close)
        self.resize(820, 420)
        self.select(best.id)

    def refresh(self) -> None:
        for row, item in enumerate(catalogue.CATALOGUE):
            memory = f"{item.cpu_ram_gb:g} GB RAM" + (
                f" / {item.gpu_vram_gb:g} GB GPU" if item.gpu_vram_gb else ""
            )
            installed = catalogue.installed_path(item)
            cells = (
                item.title,
                item.kind,
                "bundled" if item.bundled else f"{item.download_gb:g} GB",
                memory,
                self._installed_text(item.id, installed is not None),
            )
            speed = describe_speed(item.id)  # the measured CPU figure, as README and recommend
            tip = " ".join(part for part in (item.notes, speed and f"On a CPU: {speed}.") if part)
            self._fill_row(row, cells, tip or item.id)
        for row, found in enumerate(self.cached, start=len(catalogue.CATALOGUE)):
            cells = (found.source, f"{found.family} (downloaded)", "—", "—", "")
            cells = (*cells[:4], self._installed_text(found.source, True))
            self._fill_row(row, cells, str(found.folder))
        self.table.resizeColumnsToContents()

    def _installed_text(self, model_id: str, installed: bool) -> str:
        if model_id == self.settings.model:
            return "in use"
        return "yes" if installed else "no"

    def _fill_row(self, row: int, cells: tuple[str, ...], tip: str) -> None:
        for column, text in enumerate(cells):
            cell = QTableWidgetItem(text)
            cell.setToolTip(tip)
            self.table.setItem(row, column, cell)

    def select(self, model_id: str) -> None:
        for row, item in enumerate(catalogue.CATALOGUE):
            if item.id == model_id:
                self.table.selectRow(row)

    def selected(self) -> catalogue.CatalogueEntry | None:
        row = self._selected_row()
        entries = catalogue.CATALOGUE
        return entries[row] if row is not None and row < len(entries) else None

    def _selected_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    @Slot()
    def _on_download(self) -> None:
        item = self.selected()
        if item is None or self.download_thread is not None:
            return
        thread = DownloadThread(item.id, self.downloader)
        thread.sig_progress.connect(self._on_progress)
        thread.sig_done.connect(self._on_done)
        thread.sig_failed.connect(self._on_failed)
        thread.finished.connect(self._on_thread_finished)
        self.download_thread = thread
        self.download_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.status.setText(f"Downloading {item.title}…")
        thread.start()

    @Slot(object)
    def _on_progress(self, progress: downloads.DownloadProgress) -> None:
        if progress.total:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * progress.downloaded / progress.total))
        self.status.setText(describe_progress(progress))

    @Slot(str)
    def _on_done(self, path: str) -> None:
        self.status.setText(f"Installed in {path}")
        self.refresh()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.status.setText(f"⚠ {message}")

    @Slot()
    def _on_thread_finished(self) -> None:
        self.download_thread = None
        self.progress.hide()
        self.download_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    @Slot()
    def _on_cancel(self) -> None:
        if self.download_thread is not None:
            self.download_thread.cancel.set()
            self.status.setText("Cancelling…")

    @Slot()
    def _on_use(self) -> None:
        row = self._selected_row()
        if row is not None and row >= len(catalogue.CATALOGUE):  # a model found in the cache
            self._choose_model(self.cached[row - len(catalogue.CATALOGUE)].source)
            return
        item = self.selected()
        if item is None:
            return
        path = catalogue.installed_path(item)
        if path is None:
            self.status.setText(f"⚠ {item.title} is not installed yet: download it first.")
            return
        if item.kind == "speech":
            self.chosen_settings = self.settings.with_changes(speech_model=item.speech_name or "")
        else:
            self._choose_model(item.id)
            return
        self.accept()

    @Slot()
    def _on_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a model folder")
        if folder:
            self._choose_model(folder)

    def _choose_model(self, source: str) -> None:
        """Return ``source`` if it passes the check; otherwise say why and stay open."""
        try:
            check_model(source)
        except VideoScanError as error:
            self.status.setText(f"⚠ {error}")
            return
        self.chosen_settings = self.settings.with_changes(model=source)
        self.accept()

    def reject(self) -> None:
        self._stop_download()
        super().reject()

    def accept(self) -> None:
        self._stop_download()
        super().accept()

    def _stop_download(self) -> None:
        """Closing the manager cancels a running download without waiting on the GUI thread:
        the thread winds down on its own, owned by the window (which waits for it on quit)."""
        thread = self.download_thread
        if thread is None:
            return
        self.download_thread = None
        thread.cancel.set()
        owner = self.parentWidget()
        if owner is None:  # a stand-alone manager: nobody else can keep the thread alive
            thread.wait(10_000)
            return
        thread.setParent(owner)
        thread.finished.connect(thread.deleteLater)
