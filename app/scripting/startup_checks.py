"""Checks made while the app starts, kept out of ``main`` and the window.

Contract: ``show_settings_problems(banner, problems)`` reports the values that
``AppSettings.load_checked`` replaced by their defaults, once: one warning in the log and one line
in the window's ``banner``.

Scripted runs: ``add_arguments(parser)`` adds ``--script-timeout``; ``check_script_args(args)``
validates the scripted-run flags before any window exists (``--playback-speed`` finite and > 0,
``--ask-after-frames`` >= 0, ``--script-timeout`` > 0, the ``--export-frames`` folder there, the
``--report-json`` folder writable) and
returns one line for people, or None; ``fail_early(args, message)`` writes the report (when it
can) and prints the line. ``write_report(report, path, error)`` writes a ``RunReport`` with an
``error`` field and returns None, or a one-line message when the file cannot be written.
``display_problem()`` says in one line why Qt would abort on this display (a stale ``DISPLAY``,
an unknown ``QT_QPA_PLATFORM``), or None. No Qt here: ``main`` uses this before it knows there
is a display.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import re
import socket
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..settings import problems_message

if TYPE_CHECKING:
    from ..widgets.error_banner import ErrorBanner

log = logging.getLogger("videoscan")
DEFAULT_TIMEOUT_S = 900.0


def show_settings_problems(banner: ErrorBanner, problems: list[str]) -> None:
    """Log and show (in the banner, not as a run error) the settings that fell back."""
    if not problems:
        return
    message = problems_message(problems)
    log.warning("%s", message)
    banner.show_message(message)


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
    export = args.export_frames
    if export and not Path(export).expanduser().is_dir():
        return f"--export-frames: the folder {export} does not exist"
    if args.report_json:
        return _writable_folder(args.report_json)
    return None


def write_report(report, path: str | Path, error: str | None) -> str | None:
    """Write ``report`` (a RunReport, or None) with ``error``; a message when that fails."""
    data = {}
    if report is not None:
        try:
            from videoscan_core.process_stats import peak_rss_mb

            report.peak_rss_mb = round(peak_rss_mb(), 1)
        except Exception:  # a figure, never a reason to lose the report
            pass
        data = report.to_dict()
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


def display_problem(environ: dict[str, str] | None = None) -> str | None:
    """Why Qt would abort on this display (one line), or None: on Linux, a ``QT_QPA_PLATFORM``
    with no such plugin, or a local ``DISPLAY``/``WAYLAND_DISPLAY`` whose server socket does not
    answer (a stale variable after the session ended). Remote X displays are not probed."""
    env = os.environ if environ is None else environ
    if sys.platform != "linux":
        return None
    platform = env.get("QT_QPA_PLATFORM", "").split(":")[0].split(";")[0].strip()
    if platform:
        known = _platform_plugins()
        if known and platform not in known:
            return (
                f"QT_QPA_PLATFORM={platform} is not a Qt platform here; use one of "
                f"{', '.join(sorted(known))}"
            )
        return None
    wayland = env.get("WAYLAND_DISPLAY")
    if wayland:
        folder = env.get("XDG_RUNTIME_DIR", "")
        path = wayland if wayland.startswith("/") else os.path.join(folder, wayland)
        if _answers(path):
            return None
        if not env.get("DISPLAY"):
            return f"the Wayland display {wayland} does not answer (a session that has ended?)"
    display = env.get("DISPLAY", "")
    match = re.fullmatch(r"(?:unix)?:(\d+)(?:\.\d+)?", display)
    if match and not _answers(f"/tmp/.X11-unix/X{match.group(1)}"):
        return (
            f"no X server answers on DISPLAY={display} (a session that has ended?); run it "
            "on the desktop, or set QT_QPA_PLATFORM=offscreen for scripted runs"
        )
    return None


def _answers(path: str) -> bool:
    """Whether a Unix socket at ``path`` accepts a connection (X servers also listen on an
    abstract socket of the same name, tried first)."""
    for address in ("\0" + path, path):
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                probe.settimeout(1.0)
                probe.connect(address)
                return True
        except OSError:
            continue
    return False


def _platform_plugins() -> set[str]:
    try:
        import PySide6

        folder = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms"
        return {p.name.split(".")[0].removeprefix("libq") for p in folder.glob("libq*.so")}
    except Exception:
        return set()
