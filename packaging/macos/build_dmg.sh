#!/usr/bin/env bash
# On macOS (a CI runner or a Mac with Python 3.11 and the Xcode command-line tools): build
# dist/VideoScan.app (the spec's BUNDLE step, with camera, microphone and screen-recording usage
# descriptions), smoke-test it, and wrap it in dist/VideoScan-<version>.dmg.
# Self-contained (scripts/setup.sh is Debian-only). PYTHON picks the interpreter.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(uname)" = "Darwin" ] || { echo "build_dmg.sh runs on macOS" >&2; exit 1; }
PYTHON=${PYTHON:-python3.11}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r requirements.txt -r packaging/requirements.txt
.venv/bin/python -m pip install -q --no-deps -e .
QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icons.py
.venv/bin/python -m PyInstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller \
    packaging/videoscan.spec
.venv/bin/python packaging/smoke.py dist/VideoScan.app/Contents/MacOS/VideoScan
VERSION=$(.venv/bin/python -c "from importlib.metadata import version; print(version('videoscan-desktop'))")
rm -f "dist/VideoScan-$VERSION.dmg"
hdiutil create -volname "VideoScan Desktop" -srcfolder dist/VideoScan.app -ov -format UDZO \
    "dist/VideoScan-$VERSION.dmg"
echo "wrote dist/VideoScan-$VERSION.dmg (sign and notarise it before sharing)"
