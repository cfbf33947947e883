"""``videoscan eval synthetic --model M`` (the synthetic streaming benchmark table) and
``videoscan eval FORMAT --data FILE --model M`` (public video-QA benchmarks)."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import VideoScanError

PUBLIC = ("mvbench", "mlvu", "longvideobench", "videomme", "vstream")


def add_parser(commands) -> None:
    parser = commands.add_parser("eval", help="run a benchmark and print its table")
    parser.add_argument("benchmark", choices=["synthetic", *PUBLIC])
    parser.add_argument("--model", required=True, help="model folder or hub id")
    parser.add_argument("--videos", type=int, default=200, help="synthetic: videos (200)")
    parser.add_argument("--split", default="test", choices=["validation", "test"])
    parser.add_argument(
        "--variants", default="all", help="synthetic: comma-separated keys (m32,full,...) or all"
    )
    parser.add_argument("--data", help="public benchmarks: the annotation file")
    parser.add_argument("--video-folder", help="public benchmarks: where the videos are")
    parser.add_argument("--memory", type=int, default=64, help="public benchmarks: M (64)")
    parser.add_argument("--fps", type=float, default=1.0)
    parser.add_argument("--limit", type=int, default=0, help="only the first N items")
    parser.add_argument("--predictions", help="write per-item predictions (JSON lines) here")
    parser.add_argument("--device", default=None)
    parser.add_argument("--dtype", default=None, choices=["float32", "bfloat16", "float16"])
    parser.add_argument("--quantize", choices=["none", "int8"], default="none")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..adapters import load_model

    model = load_model(args.model, device=args.device, dtype=args.dtype, quantize=args.quantize)
    if args.benchmark == "synthetic":
        return _synthetic(args, model)
    from ..eval.public import run_public_benchmark

    if not args.data:
        raise VideoScanError(f"{args.benchmark} needs --data (its annotation file)")
    summary = run_public_benchmark(
        args.benchmark,
        model,
        args.data,
        args.video_folder,
        memory=args.memory,
        fps=args.fps,
        limit=args.limit,
        predictions_path=args.predictions,
    )
    print(json.dumps(summary) if args.json else summary.get("table", json.dumps(summary)))
    return 0


def _synthetic(args: argparse.Namespace, model) -> int:
    from ..eval.benchmark import evaluate, format_table, standard_variants

    variants = standard_variants()
    if args.variants != "all":
        wanted = [key.strip() for key in args.variants.split(",")]
        unknown = [key for key in wanted if key not in {v.key for v in variants}]
        if unknown:
            raise VideoScanError(
                f"unknown variant(s) {unknown}; known: " + ", ".join(v.key for v in variants)
            )
        variants = [v for v in variants if v.key in wanted]
    results = []
    for variant in variants:
        print(f"videoscan: evaluating {variant.name}", file=sys.stderr)
        results.append(
            evaluate(
                model, variant, args.split, args.videos, keep_predictions=bool(args.predictions)
            )
        )
    if args.predictions:
        with open(args.predictions, "w") as out:
            for result in results:
                for row in result.predictions:
                    out.write(json.dumps({"variant": result.variant, **row}) + "\n")
    if args.json:
        print(
            json.dumps(
                {
                    "split": args.split,
                    "videos": args.videos,
                    "results": [r.summary() for r in results],
                }
            )
        )
    else:
        print(format_table(results))
    return 0
