"""Entry point of ``videoscan-desktop``.

Contract: parses the scriptable-run flags, sets up logging (one log file, shown in About), builds
the window and runs the Qt event loop. ``--source``/``--model`` override the saved settings for
this run. Without a display (and no QT_QPA_PLATFORM), it exits with one clear line instead of a Qt
abort.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from videoscan_core.capture.privacy.app_settings import APPLICATION, ORGANIZATION
from videoscan_core.paths import MODEL_HELP
from videoscan_core.telemetry import disable_telemetry

from .scripting.startup_checks import add_arguments as add_script_arguments
from .scripting.startup_checks import check_script_args, display_problem, fail_early


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="videoscan-desktop",
        description="Watch your screen or webcam and answer questions about what was seen.",
    )
    parser.add_argument(
        "--source",
        help="what to watch: screen[:N] | region:X,Y,W,H | window:TITLE | webcam[:N] | file:PATH "
        "| demo:N (a synthetic demo video)",
    )
    parser.add_argument("--model", help=MODEL_HELP)
    parser.add_argument(
        "--ask",
        metavar="TEXT",
        action="append",
        default=[],
        help="ask this once enough frames were seen (repeat: asked in order, each after the "
        "previous answer)",
    )
    parser.add_argument(
        "--then-source",
        metavar="SRC",
        action="append",
        default=[],
        help="switch to this source after --switch-after-frames frames (repeatable)",
    )
    parser.add_argument(
        "--switch-after-frames",
        metavar="K",
        type=int,
        action="append",
        default=[],
        help="frames to process before each --then-source switch (repeatable; the last repeats)",
    )
    parser.add_argument(
        "--ask-after-frames",
        type=int,
        default=3,
        metavar="K",
        help="frames to process before --ask (default 3)",
    )
    parser.add_argument("--screenshot", metavar="PNG", help="save the window after the answer")
    parser.add_argument(
        "--exit-after-answer",
        action="store_true",
        help="close the app once the scripted question is answered",
    )
    parser.add_argument("--report-json", metavar="PATH", help="write a run report here")
    parser.add_argument(
        "--export-frames",
        metavar="DIR",
        help="at the end, write the remembered frames (as the model saw them, after the privacy "
        "rules) into a new folder under DIR",
    )
    parser.add_argument(
        "--ask-audio", metavar="WAV", help="transcribe this recording and ask it (like --ask)"
    )
    parser.add_argument(
        "--playback-speed",
        type=float,
        default=1.0,
        metavar="X",
        help="play video files X times faster than real time (default 1)",
    )
    parser.add_argument(
        "--every-frame",
        action="store_true",
        help="process every sampled frame of a video file: capture waits for the model instead "
        "of dropping frames (reproducible scripted runs on any machine)",
    )
    parser.add_argument(
        "--settings-file",
        metavar="INI",
        help="read and write settings in this file instead of the user's",
    )
    parser.add_argument("--fps", type=float, help="frames captured per second (0.2-5)")
    parser.add_argument("--memory", type=int, help="carriers kept in memory (M)")
    parser.add_argument("--verbose", action="store_true", help="log debug messages")
    add_script_arguments(parser)
    return parser


def log_file_path() -> Path:
    from videoscan_core.user_dirs import app_log_file

    return app_log_file()


LOG_MAX_BYTES = 2_000_000  # the log rotates at this size, keeping LOG_BACKUPS older files
LOG_BACKUPS = 3


def setup_logging(verbose: bool) -> Path:
    from logging.handlers import RotatingFileHandler

    path = log_file_path()
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(
            RotatingFileHandler(
                path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
            )
        )
    except OSError:
        pass
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        handlers=handlers,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    return path


def app_icon():
    from PySide6.QtGui import QIcon

    from videoscan_core.paths import resources_folder

    return QIcon(str(resources_folder() / "icons" / "videoscan.svg"))


def has_display() -> bool:
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv: Sequence[str] | None = None) -> int:
    disable_telemetry()  # before onnxruntime / huggingface_hub / transformers load
    args = build_parser().parse_args(argv)
    problem = check_script_args(args)
    if problem:  # before any window: the report says why, the run ends
        fail_early(args, problem)
        return 2
    if not has_display():
        print(
            "videoscan-desktop: error: no display found; run it on a desktop, set "
            "QT_QPA_PLATFORM=offscreen for scripted runs, or use the `videoscan` CLI",
            file=sys.stderr,
        )
        return 1
    problem = display_problem()  # a stale DISPLAY: one line instead of a Qt abort
    if problem:
        fail_early(args, problem)
        return 1
    log_path = setup_logging(args.verbose)
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from .qt_binding_check import binding_problem
    from .scripting.script_guard import ScriptGuard
    from .scripting.scripted_run import ScriptPlan
    from .scripting.startup_checks import show_settings_problems
    from .settings import AppSettings
    from .window.main_window import MainWindow
    from .window.quit_signals import QuitSignals, finish

    app = QApplication.instance() or QApplication(sys.argv[:1])
    problem = binding_problem()  # a leaking binding aborts the process minutes later
    if problem:
        fail_early(args, problem)
        return 1
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    store = (
        QSettings(args.settings_file, QSettings.Format.IniFormat)
        if args.settings_file
        else QSettings()
    )
    settings, settings_problems = AppSettings.load_checked(store)
    overrides = {
        key: value
        for key, value in (
            ("source", args.source),
            ("model", args.model),
            ("fps", args.fps),
            ("memory_size", args.memory),
        )
        if value is not None
    }
    try:
        settings = settings.with_changes(**overrides)
    except ValueError as error:
        fail_early(args, str(error))
        return 2
    if args.ask_audio and not Path(args.ask_audio).is_file():
        fail_early(args, f"audio file {args.ask_audio} does not exist")
        return 2
    plan = ScriptPlan(
        ask_audio=args.ask_audio,
        asks=list(args.ask),
        then_sources=list(args.then_source),
        switch_after_frames=list(args.switch_after_frames),
        ask_after_frames=args.ask_after_frames,
        screenshot=args.screenshot,
        exit_after_answer=args.exit_after_answer,
        report_json=args.report_json,
        export_frames=args.export_frames,
    )
    first_run = not store.value("first_run_done", False, type=bool) and not plan.active
    app.setWindowIcon(app_icon())
    window = MainWindow(
        settings,
        store,
        plan=plan,
        playback_speed=args.playback_speed,
        every_frame=args.every_frame,
        first_run=first_run,
        log_path=str(log_path),
        explicit_source=args.source is not None,
    )
    # however the app quits (logout, a Dock Quit, a hidden window): threads stop cleanly
    app.aboutToQuit.connect(window.shutdown)
    guard = ScriptGuard(window.script, window.report, plan, window.shutdown, window,
                        args.script_timeout)  # fmt: skip
    guard.attach(window.view.banner.sig_shown, window.worker.sig_answer_failed)  # failures end runs
    QuitSignals(app, window).install()  # SIGINT/SIGTERM close the window like its button
    window.show()
    window.start()
    show_settings_problems(window.view.banner, settings_problems)
    return finish(app.exec(), window)  # no Qt abort when a model load outlives the quit


if __name__ == "__main__":
    sys.exit(main())
