"""Checks made while the app starts, kept out of ``main`` and the window.

Contract: ``show_settings_problems(window, problems)`` reports the values that
``AppSettings.load_checked`` replaced by their defaults, once: one warning in the log and one line
in the window's banner.

Scripted runs: ``add_arguments(parser)`` adds ``--script-timeout``; ``check_script_args(args)``
validates the scripted-run flags before any window exists (``--playback-speed`` finite and > 0,
``--ask-after-frames`` >= 0, ``--script-timeout`` > 0, the ``--report-json`` folder writable) and
returns one line for people, or None; ``fail_early(args, message)`` writes the report (when it
can) and prints the line. ``write_report(report, path, error)`` writes a ``RunReport`` with an
``error`` field and returns None, or a one-line message when the file cannot be written.
No Qt here: ``main`` uses this before it knows there is a display.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from .settings import problems_message

log = logging.getLogger("videoscan")
DEFAULT_TIMEOUT_S = 900.0


def show_settings_problems(window, problems: list[str]) -> None:
    """Log and show (in the banner, not as a run error) the settings that fell back."""
    if not problems:
        return
    message = problems_message(problems)
    log.warning("%s", message)
    window.banner.show_message(message)


def say(message: str) -> None:
    """The one line for people on stderr."""
    sys.stderr.write(f"videoscan-desktop: error: {message}\n")
    sys.stderr.flush()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--script-timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        metavar="S",
        help="with --exit-after-answer: fail the run after S seconds (default 900)",
    )


def _writable_folder(path: str) -> str | None:
    folder = Path(path).expanduser().resolve().parent
    if not folder.is_dir():
        return f"cannot write the report {path}: the folder {folder} does not exist"
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".videoscan-check-"):
            pass
    except OSError as error:
        return f"cannot write the report {path}: {error.strerror or error}"
    if Path(path).is_dir():
        return f"cannot write the report {path}: it is a folder"
    return None


def check_script_args(args: argparse.Namespace) -> str | None:
    speed = args.playback_speed
    if not (math.isfinite(speed) and speed > 0):
        return f"--playback-speed must be a finite number > 0 (got {speed:g})"
    if args.ask_after_frames < 0:
        return f"--ask-after-frames must be >= 0 (got {args.ask_after_frames})"
    timeout = getattr(args, "script_timeout", DEFAULT_TIMEOUT_S)
    if not (math.isfinite(timeout) and timeout > 0):
        return f"--script-timeout must be a finite number > 0 (got {timeout:g})"
    if args.report_json:
        return _writable_folder(args.report_json)
    return None


def write_report(report, path: str | Path, error: str | None) -> str | None:
    """Write ``report`` (a RunReport, or None) with ``error``; a message when that fails."""
    data = {}
    if report is not None:
        try:
            from videoscan_core.resources import peak_rss_mb

            report.peak_rss_mb = round(peak_rss_mb(), 1)
        except Exception:  # a figure, never a reason to lose the report
            pass
        data = asdict(report)
    data["error"] = error
    try:
        Path(path).write_text(json.dumps(data, indent=2))
    except OSError as failure:
        return f"cannot write the report {path}: {failure.strerror or failure}"
    return None


def fail_early(args: argparse.Namespace, message: str) -> None:
    """A failure before the window exists: the report (when possible) and one line."""
    if args.report_json and _writable_folder(args.report_json) is None:
        write_report(None, args.report_json, message)
    say(message)
