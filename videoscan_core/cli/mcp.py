"""``videoscan mcp --model M --source SRC``: an MCP server on stdio for assistants.

Contract: checks the source and reads the app's privacy rules (screens and windows are captured
through the privacy guard) before loading the model, then streams the source through one engine
worker and serves the tools of ``serve.mcp_server`` over stdin/stdout until the client closes
them. Only the protocol is written on stdout; status lines go to stderr.
"""

from __future__ import annotations

import argparse
import math
import sys

from ..errors import VideoScanError
from .model_flags import add_memory_flag, add_model_flags


def add_parser(commands) -> None:
    parser = commands.add_parser("mcp", help="an MCP server (stdio) over the live memory")
    add_model_flags(parser, dtype=False, frame_tokens=True)
    parser.add_argument(
        "--source",
        default="screen",
        help="file:PATH, screen[:N], region:X,Y,W,H, window:TITLE or webcam[:N] (screen)",
    )
    parser.add_argument(
        "--settings-file",
        default=None,
        help="the app's settings file whose privacy rules apply (default: the app's own)",
    )
    parser.add_argument("--fps", type=float, default=1.0, help="frames per second (1)")
    parser.add_argument("--speed", type=float, default=1.0, help="playback speed of a file (1)")
    add_memory_flag(parser)
    parser.add_argument(
        "--alerts-file", default=None, help="keep alert conditions in this JSON file"
    )
    parser.add_argument(
        "--no-screen-text",
        action="store_true",
        help="do not read the text the live source shows (by default: read by OCR, remembered, "
        "searchable and shown with each question)",
    )
    parser.set_defaults(handler=mcp)


def mcp(args: argparse.Namespace) -> int:
    try:
        from ..capture.privacy.app_settings import use_app_rules
        from ..serve.live import LiveSource, live_text, parse_source
        from ..serve.mcp_server import build_mcp
        from ..serve.models import ModelPool
        from ..serve.worker import EngineWorker
    except ImportError as error:
        raise VideoScanError(
            f"the MCP server needs extra packages ({error.name}): "
            "pip install 'videoscan-desktop[serve]'"
        ) from None
    from ..adapters import load_model
    from ..limits import check_numbers

    parse_source(args.source)
    check_numbers(args.memory, args.fps, frame_tokens=args.frame_tokens)
    if not (math.isfinite(args.speed) and args.speed > 0):
        raise VideoScanError(f"--speed must be greater than 0 and finite (got {args.speed:g})")
    print(f"videoscan: {use_app_rules(args.settings_file)}", file=sys.stderr)
    print(f"videoscan: loading model {args.model}", file=sys.stderr)
    model = load_model(args.model, device=args.device, frame_tokens=args.frame_tokens)
    pool = ModelPool(
        args.model, model, live=True, device=args.device, frame_tokens=args.frame_tokens
    )
    worker = EngineWorker(pool, memory=args.memory, live=True)
    worker.frame_interval_s = 1.0 / args.fps
    text = live_text(args.source, not args.no_screen_text)
    sink = text.tee(worker.submit_frame) if text else worker.submit_frame
    source = LiveSource(args.source, sink, fps=args.fps, speed=args.speed)
    worker.source, worker.screen_text = source, text
    server = build_mcp(worker, args.alerts_file)
    worker.start()
    if text is not None:
        text.start()
    source.start()
    print(f"videoscan: MCP server on stdio, watching {args.source}", file=sys.stderr, flush=True)
    try:
        server.run("stdio")
    finally:
        source.stop()
        if text is not None:
            text.stop()
        worker.stop()
    return 0
