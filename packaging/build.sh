#!/usr/bin/env bash
# Build the one-folder bundle dist/VideoScan/ with PyInstaller (about 6 minutes, 1.5 GB).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/python -m pip install -q -r packaging/requirements.txt
.venv/bin/python packaging/make_icons.py
.venv/bin/pyinstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller \
    packaging/videoscan.spec
echo "built dist/VideoScan ($(du -sh dist/VideoScan | cut -f1))"
