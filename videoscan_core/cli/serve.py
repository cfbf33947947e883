"""``videoscan serve --model M``: an OpenAI-compatible server on this machine.

Contract: checks the arguments (a non-loopback ``--host`` needs ``--api-key``; ``--source`` must
name a file, a screen, a region, a window or a webcam; screens and windows are captured under
the app's privacy rules, read from its settings; ``--port`` must be free) before loading the
model, then serves until Ctrl-C on ``http://HOST:PORT/v1``. Missing server packages are one line
telling what to install.
"""

from __future__ import annotations

import argparse
import math
import sys

from ..errors import VideoScanError
from .model_flags import add_memory_flag, add_model_flags


def add_parser(commands) -> None:
    parser = commands.add_parser("serve", help="an OpenAI-compatible API on this machine")
    add_model_flags(parser, frame_tokens=True)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (8765)")
    parser.add_argument("--api-key", default=None, help="require this Bearer key")
    parser.add_argument(
        "--source",
        default=None,
        help="live source for model videoscan-live: file:PATH, screen[:N], region:X,Y,W,H, "
        "window:TITLE or webcam[:N]",
    )
    parser.add_argument(
        "--settings-file",
        default=None,
        help="the app's settings file whose privacy rules apply (default: the app's own)",
    )
    parser.add_argument("--fps", type=float, default=1.0, help="live frames per second (1)")
    parser.add_argument(
        "--speed", type=float, default=1.0, help="playback speed of a file source (1)"
    )
    add_memory_flag(parser)
    parser.add_argument(
        "--max-body-mb", type=float, default=64.0, help="largest request body in MB (64)"
    )
    parser.add_argument(
        "--no-screen-text",
        action="store_true",
        help="do not read the text the live source shows (by default: read by OCR, remembered, "
        "searchable and shown with each question)",
    )
    parser.set_defaults(handler=serve)


def serve(args: argparse.Namespace) -> int:
    try:
        from ..capture.privacy.app_settings import use_app_rules
        from ..serve.live import parse_source
        from ..serve.server import VideoScanServer, check_host, check_port
    except ImportError as error:
        raise VideoScanError(
            f"the server needs extra packages ({error.name}): "
            "pip install 'videoscan-desktop[serve]'"
        ) from None
    from ..adapters import load_model
    from ..limits import check_numbers

    check_host(args.host, args.api_key)
    rules_line = None
    if args.source:
        parse_source(args.source)
        rules_line = use_app_rules(args.settings_file)
    check_numbers(args.memory, args.fps, frame_tokens=args.frame_tokens)
    for name, value in (("--speed", args.speed), ("--max-body-mb", args.max_body_mb)):
        if not (math.isfinite(value) and value > 0):
            raise VideoScanError(f"{name} must be greater than 0 and finite (got {value:g})")
    check_port(args.host, args.port)  # a port in use fails now, not after the model load
    if rules_line:
        print(f"videoscan: {rules_line}", file=sys.stderr)
    print(f"videoscan: loading model {args.model}", file=sys.stderr)
    try:
        model = load_model(
            args.model, device=args.device, dtype=args.dtype, frame_tokens=args.frame_tokens
        )
    except ValueError as error:
        raise VideoScanError(str(error)) from None
    server = VideoScanServer(
        args.model,
        model,
        host=args.host,
        api_key=args.api_key,
        source=args.source,
        memory=args.memory,
        fps=args.fps,
        speed=args.speed,
        max_body_bytes=int(args.max_body_mb * 1024 * 1024),
        device=args.device,
        dtype=args.dtype,
        frame_tokens=args.frame_tokens,
        screen_text=not args.no_screen_text,
    )

    def listening(port: int) -> None:
        print(
            f"videoscan: serving http://{args.host}:{port}/v1 (models: "
            f"{', '.join(server.pool.served_ids())}); Ctrl-C stops",
            file=sys.stderr,
            flush=True,
        )

    server.run(args.port, on_listening=listening)
    return 0
