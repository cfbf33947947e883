#!/usr/bin/env bash
# Set up, then launch the desktop app. Without a display, run the headless main job instead:
# the demo model streams generated videos and answers questions about them (videoscan demo).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec .venv/bin/videoscan-desktop "$@"
fi
echo "run: no display found; running the headless job (videoscan demo)" >&2
exec .venv/bin/videoscan demo "$@"
