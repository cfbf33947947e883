#!/usr/bin/env bash
# On macOS: build dist/VideoScan.app (the spec's BUNDLE step, with camera and microphone usage
# descriptions) and wrap it in dist/VideoScan-<version>.dmg. Needs Xcode command-line tools.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(uname)" = "Darwin" ] || { echo "build_dmg.sh runs on macOS" >&2; exit 1; }
packaging/build.sh
VERSION=$(.venv/bin/python -c "from importlib.metadata import version; print(version('videoscan-desktop'))")
hdiutil create -volname "VideoScan Desktop" -srcfolder dist/VideoScan.app -ov -format UDZO \
    "dist/VideoScan-$VERSION.dmg"
echo "wrote dist/VideoScan-$VERSION.dmg (sign and notarise it before sharing)"
