"""Entry point of the packaged app (PyInstaller starts here).

Telemetry switches are set before ``app.main`` (and through it Qt, transformers, onnxruntime) loads.
Missing standard streams (windowed bundles on Windows and macOS) are replaced by os.devnull.
"""

import os
import sys

# A windowed bundle (console=False: Windows .exe, macOS .app) starts without stdout/stderr; give
# print(), logging and progress bars somewhere to write instead of failing on None.
for _name in ("stdout", "stderr"):
    if getattr(sys, _name) is None:
        setattr(sys, _name, open(os.devnull, "w", encoding="utf-8"))

from videoscan_core.telemetry import disable_telemetry  # noqa: E402

disable_telemetry()

from app.main import main  # noqa: E402 - after the telemetry switches

if __name__ == "__main__":
    sys.exit(main())
