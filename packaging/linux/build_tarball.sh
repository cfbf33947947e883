#!/usr/bin/env bash
# dist/VideoScan -> dist/VideoScan-<version>-linux-x86_64.tar.gz (bundle, .desktop, icon, install.sh, uninstall.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x dist/VideoScan/VideoScan ] || { echo "build the bundle first: make package" >&2; exit 1; }
VERSION=$(.venv/bin/python -c "from importlib.metadata import version; print(version('videoscan-desktop'))")
STAGE=build/tarball/VideoScan-$VERSION
rm -rf build/tarball && mkdir -p "$STAGE"
cp -a dist/VideoScan "$STAGE/VideoScan"
cp packaging/linux/videoscan.desktop packaging/linux/install.sh packaging/linux/uninstall.sh "$STAGE/"
cp resources/icons/videoscan-256.png "$STAGE/videoscan.png"
OUT="dist/VideoScan-$VERSION-linux-$(uname -m).tar.gz"
tar -C build/tarball -czf "$OUT" "VideoScan-$VERSION"
echo "wrote $OUT ($(du -h "$OUT" | cut -f1))"
