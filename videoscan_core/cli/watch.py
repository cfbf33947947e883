"""``videoscan watch VIDEO --model M --when TEXT [--when TEXT ...]``: alerts on a video file.

Contract: validates the arguments and the video before loading the model, samples the video at
``--fps`` (timestamps are the video's own), streams it through the engine and, after every
``--every`` frames, scores each condition with one yes/no prefill whose cache is rolled back
(``videoscan_core.stream.alerts``), with a progress bar on stderr (``--no-progress``: none).
Prints one line per alert as it happens
(``<time>s  <score>  <condition>``), or with ``--json`` one object
``{"alerts": [{"condition", "time", "score"}...], "frames_seen"}`` at the end.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import VideoScanError
from .model_flags import add_memory_flag, add_model_flags
from .progress import frame_progress, say


def add_parser(commands) -> None:
    parser = commands.add_parser("watch", help="report when conditions hold in a video file")
    parser.add_argument("video", help="video file (anything OpenCV/FFmpeg decodes)")
    add_model_flags(parser, frame_tokens=True)
    parser.add_argument(
        "--when",
        action="append",
        default=[],
        metavar="TEXT",
        required=True,
        help='a condition, e.g. "a red circle appears" (repeatable)',
    )
    parser.add_argument("--every", type=int, default=1, metavar="K", help="score every K frames")
    add_memory_flag(parser)
    parser.add_argument("--fps", type=float, default=1.0, help="frames sampled per second (1)")
    parser.add_argument(
        "--on", type=float, default=0.6, help="score at which a condition fires (0.6)"
    )
    parser.add_argument(
        "--off", type=float, default=0.4, help="score at or below which it re-arms (0.4)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(handler=watch)


def _watcher(args: argparse.Namespace):
    """The conditions' watcher, checked before the model loads (caps of ``limits``)."""
    from ..limits import check_numbers
    from ..stream.alerts import AlertWatcher, Condition

    if args.every < 1:
        raise VideoScanError(f"--every must be at least 1 (got {args.every})")
    check_numbers(args.memory, args.fps, frame_tokens=args.frame_tokens)
    try:
        conditions = [
            Condition(text, id=f"c{i}", on_threshold=args.on, off_threshold=args.off)
            for i, text in enumerate(args.when)
        ]
        return AlertWatcher(conditions, every=args.every)
    except ValueError as error:
        raise VideoScanError(str(error)) from None


def watch(args: argparse.Namespace) -> int:
    from ..adapters import load_model
    from ..config import EngineConfig
    from ..stream.engine import StreamingEngine
    from ..stream.frame_batches import stream_frames
    from ..video import probe_video, sample_frames

    watcher = _watcher(args)
    info = probe_video(args.video)
    config = EngineConfig(memory_size=args.memory, device=args.device, dtype=args.dtype)
    try:
        model = load_model(
            args.model, device=config.device, dtype=config.dtype, frame_tokens=args.frame_tokens
        )
    except ValueError as error:
        raise VideoScanError(str(error)) from None
    engine = StreamingEngine(model, config)
    alerts, warned = [], False
    progress = frame_progress(info.expected_samples(args.fps), not args.no_progress)
    try:  # batch 1: conditions are scored between frames, so reading ahead gains nothing
        for event in stream_frames(engine, sample_frames(args.video, args.fps), batch=1):
            for alert in watcher.after_frame(engine, event):
                alerts.append(alert)
                if not args.json:
                    say(progress, f"{alert.time:8.2f}s  {alert.score:.3f}  {alert.condition}")
            slow = None if warned else watcher.slow_warning(1.0 / args.fps)
            if slow:  # said once, as soon as it shows
                (progress.write if progress is not None else print)(
                    f"videoscan: warning: {slow}", file=sys.stderr
                )
                warned = True
            if progress is not None:
                progress.update(1)
    finally:
        if progress is not None:
            progress.close()
    if args.json:
        report = {"alerts": [a.to_json() for a in alerts], "frames_seen": engine.frames_seen}
        print(json.dumps(report))
    elif not alerts:
        print("no alerts", file=sys.stderr)
    return 0
