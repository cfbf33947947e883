"""Real X11 windows for the privacy tests, driven over stdin (run with QT_QPA_PLATFORM=xcb).

Windows: a grey backdrop over the whole screen, "VS Secret Bank" (red) and "VS Public Notes"
(green). Commands, one per line, each answered with "ok <command>" once done and flushed to
the X server: "move NAME X Y", "resize NAME W H", "focus NAME", "hide NAME", "show NAME",
"open watched" / "close watched" (a blue "VS Watched Doc" window created or destroyed), "quit".
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QSocketNotifier, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

SPECS = {
    "backdrop": ("VS Backdrop", (128, 128, 128), (0, 0, 1280, 800)),
    "secret": ("VS Secret Bank", (220, 30, 40), (100, 100, 300, 200)),
    "public": ("VS Public Notes", (30, 200, 60), (600, 150, 300, 200)),
}
EXTRA = {"watched": ("VS Watched Doc", (40, 60, 220), (300, 420, 320, 180))}


def make(title, rgb, geometry) -> QWidget:
    window = QWidget()
    window.setWindowTitle(title)
    palette = window.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor(*rgb))
    window.setPalette(palette)
    window.setAutoFillBackground(True)
    window.setGeometry(*geometry)
    window.show()
    return window


def main() -> int:
    app = QApplication(sys.argv[:1])
    windows = {name: make(*spec) for name, spec in SPECS.items()}
    windows["backdrop"].lower()

    def answer(line: str) -> None:
        app.processEvents()
        app.sync() if hasattr(app, "sync") else None
        QTimer.singleShot(150, lambda: print(f"ok {line}", flush=True))

    def on_command() -> None:
        line = sys.stdin.readline().strip()
        words = line.split()
        if not words or words[0] == "quit":
            app.quit()
            return
        if words[0] == "move":
            windows[words[1]].move(int(words[2]), int(words[3]))
        elif words[0] == "focus":  # keyboard focus only: the stacking order stays
            windows[words[1]].activateWindow()
        elif words[0] == "resize":
            windows[words[1]].resize(int(words[2]), int(words[3]))
        elif words[0] == "open":
            windows[words[1]] = make(*EXTRA[words[1]])
        elif words[0] == "close":
            windows.pop(words[1]).deleteLater()
        elif words[0] == "hide":
            windows[words[1]].hide()
        elif words[0] == "show":
            windows[words[1]].show()
        answer(line)

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(on_command)
    QTimer.singleShot(300, lambda: print("shown", flush=True))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
