"""Settings dialog: a Basic tab (model, device, memory, capture rate, voice) and an Advanced tab
(precision, change threshold, positions, top-k, recent frames, answer length).

Contract: ``SettingsDialog(settings, parent, devices).exec()``; after Accepted,
``result_settings()`` is the new ``AppSettings``. Only devices this computer has are offered
(``devices``: as the worker found them; cpu when unknown). The model can be typed, browsed or
picked from the models already downloaded; a changed model is checked (``check_model``) before
OK closes the dialog, so a broken choice is explained here, in one line. The caller decides what
to apply live and what needs a model reload.
"""

from __future__ import annotations

import secrets

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from videoscan_core.adapters.model_check import check_model, installed_models
from videoscan_core.config import POSITION_MODES
from videoscan_core.errors import VideoScanError
from videoscan_core.paths import DEMO_MODEL_ID

from ..settings import CHOICES, AppSettings
from .screen_text_settings import ScreenTextTab
from .setting_spins import float_spin, int_spin

DEVICE_NAMES = {"auto": "Automatic", "cpu": "CPU", "cuda": "NVIDIA GPU (CUDA)", "mps": "Apple GPU"}


class SettingsDialog(QDialog):
    def __init__(
        self,
        settings: AppSettings,
        parent: QWidget | None = None,
        devices: list[str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._original = settings
        self.model = QLineEdit(settings.model)
        self.model.setPlaceholderText("a model folder, or a downloaded model like llava-hf/…")
        self.installed = QComboBox()
        self.installed.setToolTip("Models already on this computer")
        self.installed.addItem("Downloaded models…", "")
        self.installed.addItem("The demo model", DEMO_MODEL_ID)
        for found in installed_models():
            self.installed.addItem(found.source, found.source)
        self.installed.activated.connect(self._pick_installed)
        browse = QPushButton("Folder…")
        browse.clicked.connect(self._browse)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model, 1)
        model_row.addWidget(self.installed)
        model_row.addWidget(browse)
        self.device = QComboBox()
        for name in ["auto", *(devices or ["cpu"])]:
            self.device.addItem(DEVICE_NAMES.get(name, name), name)
        here = self.device.findData(settings.device.split(":")[0])
        self.device.setCurrentIndex(max(0, here))  # a device not here is not offered
        self.dtype = QComboBox()
        self.dtype.addItems(list(CHOICES["dtype"]))
        self.dtype.setCurrentText(settings.dtype)
        self.memory = int_spin("memory_size", settings.memory_size, "carriers kept in memory (M)")
        self.fps = float_spin("fps", settings.fps, 0.1, suffix=" frames/s")
        self.threshold = float_spin("change_threshold", settings.change_threshold, 0.005, 3)
        self.threshold.setToolTip(
            "frames that differ less than this from the last one are "
            "not re-encoded (0 sends every frame)"
        )
        self.position = QComboBox()
        self.position.addItems(list(POSITION_MODES))
        self.position.setCurrentText(settings.position_mode)
        self.position.setToolTip(
            "how remembered frames are numbered for the model: compact for VideoScan-trained "
            "models; models without VideoScan training get a bounded, ordered numbering by "
            "default unless you choose another here"
        )
        self.topk = int_spin(
            "keep_topk", settings.keep_topk, "VideoScan+: visual tokens kept per frame"
        )
        self.recent = int_spin(
            "recent_frames", settings.recent_frames, "full frames kept in a recent window"
        )
        self.max_tokens = int_spin(
            "max_new_tokens", settings.max_new_tokens, "longest answer, in tokens"
        )
        self.speech_model = QLineEdit(settings.speech_model)
        self.speech_model.setPlaceholderText("bundled tiny.en (or tiny.en, base, small, a folder)")
        self.voice_language = QComboBox()
        self.voice_language.setEditable(True)
        self.voice_language.addItems(["en", "auto", "de", "fr", "es", "it", "zh", "ja"])
        self.voice_language.setCurrentText(settings.voice_language)
        self.voice_autosend = QCheckBox("Send spoken questions at once (otherwise edit first)")
        self.voice_autosend.setChecked(settings.voice_autosend)
        self.max_recording = float_spin(
            "max_recording_s", settings.max_recording_s, 1.0, suffix=" s"
        )
        self.speak_answers = QCheckBox("Read answers and alerts aloud")
        self.speak_answers.setChecked(settings.speak_answers)
        self.api_server = QCheckBox("Let programs on this computer ask VideoScan")
        self.api_server.setChecked(settings.api_server)
        self.api_key = settings.api_key or secrets.token_urlsafe(18)
        self.api_address = QLabel(
            f"http://127.0.0.1:{settings.api_port}/v1 (model videoscan-live), key {self.api_key}"
        )
        self.api_address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.api_address.setVisible(settings.api_server)
        self.api_server.toggled.connect(self.api_address.setVisible)
        basic, advanced = QWidget(), QWidget()
        form = QFormLayout(basic)
        form.addRow("Model", model_row)
        form.addRow("Device", self.device)
        form.addRow("Memory size", self.memory)
        form.addRow("Capture rate", self.fps)
        form.addRow("Speech model", self.speech_model)
        form.addRow("Spoken language", self.voice_language)
        form.addRow("Longest recording", self.max_recording)
        form.addRow("", self.voice_autosend)
        form.addRow("", self.speak_answers)
        form.addRow("", self.api_server)
        form.addRow("", self.api_address)
        expert = QFormLayout(advanced)
        expert.addRow("Precision", self.dtype)
        expert.addRow("Change threshold", self.threshold)
        expert.addRow("Positions", self.position)
        expert.addRow("Top-k per frame", self.topk)
        expert.addRow("Recent frames", self.recent)
        expert.addRow("Answer length", self.max_tokens)
        self.tabs = QTabWidget()
        self.tabs.addTab(basic, "Basic")
        self.tabs.addTab(advanced, "Advanced")
        self.screen_text = ScreenTextTab(settings)
        self.tabs.addTab(self.screen_text, "Screen text")
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #b3261e")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(
            QLabel(
                "Model, device and precision changes reload the model; "
                "positions, top-k and recent frames start a new memory."
            )
        )
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    def _pick_installed(self, index: int) -> None:
        source = self.installed.itemData(index)
        if source:
            self.model.setText(source)
        self.installed.setCurrentIndex(0)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a model folder")
        if folder:
            self.model.setText(folder)

    def result_settings(self) -> AppSettings:
        return self._original.with_changes(
            model=self.model.text().strip(),
            device=self.device.currentData() or "auto",
            dtype=self.dtype.currentText(),
            memory_size=self.memory.value(),
            fps=round(self.fps.value(), 2),
            change_threshold=self.threshold.value(),
            position_mode=self.position.currentText(),
            keep_topk=self.topk.value(),
            recent_frames=self.recent.value(),
            max_new_tokens=self.max_tokens.value(),
            speech_model=self.speech_model.text().strip(),
            voice_language=self.voice_language.currentText().strip() or "en",
            voice_autosend=self.voice_autosend.isChecked(),
            max_recording_s=self.max_recording.value(),
            speak_answers=self.speak_answers.isChecked(),
            api_server=self.api_server.isChecked(),
            api_key=self.api_key if self.api_server.isChecked() else self._original.api_key,
            **self.screen_text.changes(),
        )

    def accept(self) -> None:
        try:
            result = self.result_settings()
            if result.model and result.model != self._original.model:
                check_model(result.model)  # a broken model is explained before anything changes
        except (ValueError, VideoScanError) as error:
            self.problem.setText(str(error))
            return
        super().accept()
