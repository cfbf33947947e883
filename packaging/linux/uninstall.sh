#!/usr/bin/env bash
# Remove what install.sh added: ~/.local/opt/VideoScan, its menu entry and its icon. Settings,
# alerts, the log and cached demo videos stay unless --purge is given (~/.config/VideoScan,
# ~/.config/videoscan, ~/.local/state/videoscan, ~/.cache/videoscan); downloaded models stay in
# the Hugging Face cache either way.
set -euo pipefail
TARGET="${XDG_DATA_HOME:-$HOME/.local/share}"
OPT="$HOME/.local/opt/VideoScan"
rm -rf "$OPT"
rm -f "$TARGET/applications/videoscan.desktop" "$TARGET/icons/hicolor/256x256/apps/videoscan.png"
echo "Removed $OPT, its menu entry and its icon."
CONFIG="${XDG_CONFIG_HOME:-$HOME/.config}"
if [ "${1:-}" = "--purge" ]; then
  rm -rf "$CONFIG/VideoScan" "$CONFIG/videoscan" "${XDG_STATE_HOME:-$HOME/.local/state}/videoscan" \
    "${XDG_CACHE_HOME:-$HOME/.cache}/videoscan"
  echo "Removed its settings, alerts, log and cached demo videos."
else
  echo "Kept its settings, alerts, log and cached demo videos (uninstall.sh --purge removes them)."
fi
