"""Entry point of the packaged app (PyInstaller starts here).

Telemetry switches are set before ``app.main`` (and through it Qt, transformers, onnxruntime) loads.
"""

import sys

from videoscan_core.privacy import disable_telemetry

disable_telemetry()

from app.main import main  # noqa: E402 - after the telemetry switches

if __name__ == "__main__":
    sys.exit(main())
