#!/usr/bin/env bash
# Install VideoScan Desktop for the current user (no root needed): ~/.local/opt/VideoScan, a menu
# entry and an icon. Run from the unpacked tarball; uninstall.sh (copied next to the app) undoes it.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
TARGET="${XDG_DATA_HOME:-$HOME/.local/share}"
OPT="$HOME/.local/opt/VideoScan"
mkdir -p "$OPT" "$TARGET/applications" "$TARGET/icons/hicolor/256x256/apps"
cp -a "$HERE/VideoScan/." "$OPT/"
cp "$HERE/uninstall.sh" "$OPT/uninstall.sh"
sed "s|@INSTALL_DIR@|$OPT|" "$HERE/videoscan.desktop" > "$TARGET/applications/videoscan.desktop"
cp "$HERE/videoscan.png" "$TARGET/icons/hicolor/256x256/apps/videoscan.png"
echo "Installed to $OPT. Start it from your applications menu, or run $OPT/VideoScan"
echo "(remove it with $OPT/uninstall.sh)"

# System libraries the bundle does not carry (Qt's X11 platform, the microphone): name only the
# Debian/Ubuntu packages of those neither the bundle nor the system has.
# (VIDEOSCAN_LDCONFIG: another ldconfig, for the tests)
LDCONFIG="${VIDEOSCAN_LDCONFIG:-$(command -v ldconfig || echo /sbin/ldconfig)}"
system_libraries="$("$LDCONFIG" -p 2>/dev/null || true)"
missing=()
while read -r library package; do
  if [ -z "$(find "$OPT" -name "$library*" -print -quit)" ] \
      && ! grep -qF "$library" <<<"$system_libraries"; then
    missing+=("$package")
  fi
done <<'LIBRARIES'
libxcb-icccm.so.4 libxcb-icccm4
libxcb-keysyms.so.1 libxcb-keysyms1
libxcb-cursor.so.0 libxcb-cursor0
libxkbcommon-x11.so.0 libxkbcommon-x11-0
libportaudio.so.2 libportaudio2
LIBRARIES
if ((${#missing[@]})); then
  echo "It needs system libraries this computer lacks; on Debian/Ubuntu: sudo apt install ${missing[*]}"
fi
