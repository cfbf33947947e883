"""Real X11 windows showing text, for the screen-text privacy test (run with QT_QPA_PLATFORM=xcb).

Windows: a light backdrop over the whole screen, "VS Secret Bank" (an account number) and "VS
Public Notes" (a note). Commands, one per line, answered with "ok <command>" once drawn: "say NAME
TEXT" (the window's text becomes TEXT), "quit".
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QSocketNotifier, Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QLabel

SPECS = {
    "backdrop": ("VS Backdrop", "", (0, 0, 1280, 800)),
    "secret": ("VS Secret Bank", "Account 4471 0093 2288 balance 12,400", (80, 100, 480, 120)),
    "public": ("VS Public Notes", "Ship version 2 on Friday", (640, 100, 480, 120)),
}


def make(title: str, text: str, geometry) -> QLabel:
    window = QLabel(text)
    window.setWindowTitle(title)
    window.setAlignment(Qt.AlignmentFlag.AlignCenter)
    window.setStyleSheet("background: #fafafa; color: #141414")
    font = QFont("DejaVu Sans")
    font.setPixelSize(16)
    window.setFont(font)
    window.setGeometry(*geometry)
    window.show()
    return window


def main() -> int:
    app = QApplication(sys.argv[:1])
    windows = {name: make(*spec) for name, spec in SPECS.items()}
    windows["backdrop"].lower()

    def on_command() -> None:
        line = sys.stdin.readline().strip()
        words = line.split(maxsplit=2)
        if not words or words[0] == "quit":
            app.quit()
            return
        if words[0] == "say":
            windows[words[1]].setText(words[2])
        app.processEvents()
        QTimer.singleShot(150, lambda: print(f"ok {line}", flush=True))

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(on_command)
    QTimer.singleShot(300, lambda: print("shown", flush=True))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
