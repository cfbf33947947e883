"""How the ``videoscan`` command reports failure: exit codes and the one error line.

Contract: ``fail(message, code)`` prints ``videoscan: error: <message>`` on stderr and returns
``code``; subcommands and ``main`` share it (kept apart from ``main`` so a subcommand can use it
without importing the entry point).
"""

from __future__ import annotations

import sys

EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130


def fail(message: str, code: int = EXIT_FAILURE) -> int:
    print(f"videoscan: error: {message}", file=sys.stderr)
    return code
