"""Entry point of the ``videoscan`` command.

Contract: ``main(argv) -> exit code``. Usage errors and expected failures (``VideoScanError``,
bad values, out of memory, Ctrl-C) print exactly one line ``videoscan: error: ...`` on stderr and
return a non-zero code; they never show a traceback (``VIDEOSCAN_DEBUG=1`` re-raises).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ..errors import VideoScanError, describe, is_out_of_memory
from ..telemetry import disable_telemetry
from ..tiny.llava import TINY_FAMILIES
from .failure import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, fail

MEMORY_ADVICE = (
    "use a smaller --memory, --keep-topk or --recent-frames, a smaller model or --dtype bfloat16"
)

__all__ = ["EXIT_FAILURE", "EXIT_INTERRUPTED", "EXIT_USAGE", "build_parser", "fail", "main"]


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line (``--help`` still shows the usage)."""

    def error(self, message: str):  # noqa: D401 - argparse API
        self.exit(EXIT_USAGE, f"videoscan: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from . import bench, demo, find, mcp, models, run, serve, train, watch

    parser = OneLineParser(
        prog="videoscan",
        description="VideoScan streaming video understanding: one token per frame.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    commands.required = True
    run.add_parser(commands)
    find.add_parser(commands)
    demo.add_parser(commands)
    train.add_parser(commands)
    bench.add_parser(commands)
    models.add_parser(commands)
    watch.add_parser(commands)
    serve.add_parser(commands)
    mcp.add_parser(commands)
    tiny = commands.add_parser(
        "make-tiny-model", help="write a tiny random model (for tests and examples)"
    )
    tiny.add_argument("folder", help="output folder")
    tiny.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    tiny.add_argument(
        "--geometry",
        choices=["tiny", "demo"],
        default="tiny",
        help="tiny (tests) or demo (the demo model's starting point)",
    )
    tiny.add_argument(
        "--family",
        choices=list(TINY_FAMILIES),
        default="llava-onevision",
        help="model architecture (default llava-onevision)",
    )
    tiny.set_defaults(handler=_make_tiny_model)
    return parser


def _make_tiny_model(args: argparse.Namespace) -> int:
    from ..tiny.llava import make_tiny_model

    folder = make_tiny_model(
        args.folder, seed=args.seed, geometry=args.geometry, family=args.family
    )
    print(f"wrote a tiny random {args.family} model to {folder}")
    return 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("videoscan-desktop")
    except PackageNotFoundError:
        return "0+unknown"


def _quiet_libraries() -> None:
    """Keep library progress bars and warnings off the terminal; our own output says enough."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    except ImportError:
        pass


def main(argv: Sequence[str] | None = None) -> int:
    disable_telemetry()  # before any third-party library loads
    args = build_parser().parse_args(argv)
    debug = os.environ.get("VIDEOSCAN_DEBUG") == "1"
    try:
        _quiet_libraries()
        return args.handler(args)
    except KeyboardInterrupt:
        return fail("interrupted", EXIT_INTERRUPTED)
    except Exception as error:
        if debug:
            raise
        line = describe(error, MEMORY_ADVICE)
        if isinstance(error, VideoScanError) or is_out_of_memory(error):
            return fail(line)
        return fail(f"{line} (VIDEOSCAN_DEBUG=1 shows the traceback)")

if __name__ == "__main__":
    sys.exit(main())
