#!/usr/bin/env bash
# Build the one-folder bundle dist/VideoScan/ with PyInstaller, then print what this build took:
# its time, the bundle's size and its largest parts (measured here, never quoted from elsewhere).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/python -m pip install -q -r packaging/requirements.txt
.venv/bin/python packaging/make_icons.py
started=$SECONDS
.venv/bin/pyinstaller --noconfirm --clean --log-level WARN --distpath dist \
    --workpath build/pyinstaller packaging/videoscan.spec
took=$((SECONDS - started))
echo "built dist/VideoScan in $((took / 60)) min $((took % 60)) s: $(du -sh dist/VideoScan | cut -f1)"
echo "its largest parts:"
du -sh dist/VideoScan/_internal/* | sort -rh | head -n 8
