#!/usr/bin/env bash
# Install VideoScan Desktop for the current user (no root needed):
#   ~/.local/opt/VideoScan, a menu entry, and an icon. Run from the unpacked tarball.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
TARGET="${XDG_DATA_HOME:-$HOME/.local/share}"
OPT="$HOME/.local/opt/VideoScan"
mkdir -p "$OPT" "$TARGET/applications" "$TARGET/icons/hicolor/256x256/apps"
cp -a "$HERE/VideoScan/." "$OPT/"
sed "s|@INSTALL_DIR@|$OPT|" "$HERE/videoscan.desktop" > "$TARGET/applications/videoscan.desktop"
cp "$HERE/videoscan.png" "$TARGET/icons/hicolor/256x256/apps/videoscan.png"
echo "Installed to $OPT. Start it from your applications menu, or run $OPT/VideoScan"
echo "(it needs: sudo apt install libxcb-icccm4 libxcb-keysyms1 libportaudio2 on Debian/Ubuntu)"
