"""Render the SVG icon to the PNG/ICO/ICNS files the installers need (Qt's SVG support)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "resources" / "icons"


def main() -> int:
    from PIL import Image
    from PySide6.QtGui import QGuiApplication, QIcon

    QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    icon = QIcon(str(ICONS / "videoscan.svg"))
    png = ICONS / "videoscan-256.png"
    icon.pixmap(256, 256).save(str(png))
    image = Image.open(png)
    image.save(ICONS / "videoscan.ico", sizes=[(16, 16), (32, 32), (48, 48), (256, 256)])
    image.save(ICONS / "videoscan.icns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
