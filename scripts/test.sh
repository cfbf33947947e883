#!/usr/bin/env bash
# Set up, lint, type-check, then run the test suite on a virtual X screen (slow tests: scripts/test.sh -m slow).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/python -m mypy  # the core and tests/app/fakes.py (pyproject.toml [tool.mypy])
exec xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python -m pytest "$@"
