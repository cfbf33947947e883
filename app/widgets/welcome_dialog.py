"""First-run welcome: what is captured, that nothing leaves the machine, what happens next."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

WELCOME = (
    "<h2>Welcome to VideoScan Desktop</h2>"
    "<p>VideoScan watches what you choose (a screen, a region of it, a webcam or a video file) "
    "once per second and remembers it as one compact token per frame, so you can ask about "
    "what happened minutes ago.</p>"
    "<ul>"
    "<li><b>Private:</b> everything runs on this computer. Frames are never written to disk "
    "unless you export them, and nothing is sent anywhere.</li>"
    "<li><b>Visible:</b> the red dot in the toolbar and on the tray icon shows when it is "
    "watching; Ctrl+P pauses.</li>"
    "<li><b>Bounded:</b> it keeps a fixed number of frames in memory, however long it runs.</li>"
    "</ul>"
    "<p>When you close this, the small demo model watches a short demo video, so you can try "
    "questions right away (use <i>Examples</i>). Then open the model manager to download a "
    "real model for your screen or webcam.</p>"
)


class WelcomeDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome")
        text = QLabel(WELCOME)
        text.setWordWrap(True)
        text.setMinimumWidth(480)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start with the demo")
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(buttons)
