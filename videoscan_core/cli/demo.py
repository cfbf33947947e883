"""``videoscan demo [--seed S] [--videos K] [--json]``: the demo model on fresh synthetic videos."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import ModelNotFoundError


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "demo", help="stream fresh synthetic videos through the demo model and score its answers"
    )
    parser.add_argument("--seed", type=int, default=0, help="which videos (default 0)")
    parser.add_argument("--videos", type=int, default=5, help="how many videos (default 5)")
    parser.add_argument("--model", help="model folder (default: the bundled demo model)")
    parser.add_argument("--memory", type=int, default=16, help="carriers kept, M (default 16)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..adapters import load_model
    from ..demo import run_demo
    from ..paths import bundled_demo_model
    from .main import fail

    if args.videos < 1 or args.memory < 1:
        return fail("--videos and --memory must be at least 1")
    source = args.model or bundled_demo_model()
    if source is None:
        raise ModelNotFoundError(
            "the demo model is missing (resources/models/videoscan-demo); pass --model"
        )
    model = load_model(source, device="cpu", dtype="float32")

    def show(answer, video) -> None:
        if args.json:
            return
        if answer.kind == "now":
            print(
                f"\nvideo {answer.video}: {len(video.frames)} frames, "
                f"{', '.join(e.name for e in video.events)}"
            )
        mark = "correct" if answer.correct else f"wrong, expected {answer.expected}"
        print(
            f"  [{answer.kind}] {answer.question.split(' Options:')[0]}\n"
            f"      -> {answer.predicted.strip() or '(nothing)'} ({mark})"
        )

    result = run_demo(model, args.seed, args.videos, args.memory, on_answer=show)
    summary = result.to_json()
    if args.json:
        print(json.dumps(summary))
    else:
        kinds = ", ".join(
            f"{k} {100 * v:.0f}%" for k, v in summary["per_type"].items() if v is not None
        )
        print(
            f"\naccuracy {100 * summary['accuracy']:.1f}% over {summary['questions']} "
            f"questions ({kinds})",
            file=sys.stdout,
        )
    return 0
