"""``videoscan eval synthetic --model M`` (the synthetic streaming benchmark table) and
``videoscan eval FORMAT --data FILE --model M`` (public video-QA benchmarks)."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import VideoScanError
from .model_flags import add_model_flags

PUBLIC = ("mvbench", "mlvu", "longvideobench", "videomme", "vstream")


def add_parser(commands) -> None:
    parser = commands.add_parser("eval", help="run a benchmark and print its table")
    parser.add_argument(
        "benchmark",
        choices=["synthetic", *PUBLIC],
        help="synthetic (generated shape videos, no download) or a public benchmark's "
        "annotation format (with --data)",
    )
    add_model_flags(parser, quantize=True, vision_runtime=True)
    parser.add_argument("--videos", type=int, default=200, help="synthetic: videos (200)")
    parser.add_argument(
        "--split",
        default="test",
        choices=["validation", "test"],
        help="synthetic: which seeds (test, the default; validation for tuning)",
    )
    parser.add_argument(
        "--variants", default="all", help="synthetic: comma-separated keys (m32,full,...) or all"
    )
    parser.add_argument("--data", help="public benchmarks: the annotation file")
    parser.add_argument("--video-folder", help="public benchmarks: where the videos are")
    parser.add_argument("--memory", type=int, default=64, help="public benchmarks: M (64)")
    parser.add_argument(
        "--sampling",
        choices=["official", "fps"],
        default=None,
        help="public benchmarks: official = the paper's streaming schedule (1 fps up to 300 s, "
        "then one frame per 2-5 s; the default), fps = every 1/--fps s (default when --fps is "
        "given)",
    )
    parser.add_argument("--fps", type=float, default=None, help="frames per second (1)")
    parser.add_argument(
        "--memory-semantics",
        choices=["videoscan", "official"],
        default="videoscan",
        help="official: M-1 carriers while streaming, M at the last frame, as the official code",
    )
    parser.add_argument("--limit", type=int, default=0, help="only the first N items (0: all)")
    parser.add_argument(
        "--predictions",
        help="per-item predictions (JSON lines), appended as they are made; a rerun resumes",
    )
    parser.add_argument(
        "--restart", action="store_true", help="start --predictions afresh instead of resuming"
    )
    parser.add_argument(
        "--judge-url",
        help="vstream: also score answers with an LLM judge at this OpenAI-compatible URL "
        "(e.g. http://127.0.0.1:8000/v1 from videoscan serve)",
    )
    parser.add_argument("--judge-model", default="judge", help="model name sent to the judge")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(handler=run)


def _check_args(args: argparse.Namespace) -> None:
    """Bad flags and paths fail before the model loads."""
    if args.limit < 0:
        raise VideoScanError(f"--limit must be 0 (all items) or more (got {args.limit})")
    if args.fps is not None and not (0 < args.fps < 1000):
        raise VideoScanError(f"--fps must be above 0 and below 1000 (got {args.fps})")
    if args.benchmark == "synthetic":
        if args.videos < 1:
            raise VideoScanError(f"--videos must be at least 1 (got {args.videos})")
        _variants(args)  # unknown keys fail now
        return
    from pathlib import Path

    from ..eval.formats import load_items
    from ..eval.predictions import PredictionLog

    if not args.data:
        raise VideoScanError(f"{args.benchmark} needs --data (its annotation file)")
    if args.video_folder and not Path(args.video_folder).is_dir():
        raise VideoScanError(f"--video-folder {args.video_folder} is not an existing folder")
    load_items(args.benchmark, args.data, args.video_folder)  # names the first bad row
    from ..eval.sharded import rank_file, shard_from_env

    rank, world = shard_from_env()
    if world > 1 and not args.predictions:
        raise VideoScanError("a sharded eval (torchrun) needs --predictions")
    if args.predictions:  # writable? (each torchrun process writes its own file)
        target = rank_file(args.predictions, rank) if world > 1 else args.predictions
        PredictionLog(target, resume=not args.restart).close()


def run(args: argparse.Namespace) -> int:
    from ..adapters import load_model

    _check_args(args)
    model = load_model(args.model, device=args.device, dtype=args.dtype, quantize=args.quantize)
    from ..adapters import vision_runtime

    vision_runtime.attach(model, args.vision_runtime)  # the engines below keep it ("torch")
    if args.benchmark == "synthetic":
        return _synthetic(args, model)
    from ..eval.sharded import run_sharded

    judge = None
    if args.judge_url:
        from ..eval.judge import Judge

        judge = Judge(args.judge_url, args.judge_model)
    sampling = args.sampling or ("fps" if args.fps is not None else "official")
    summary = run_sharded(  # one process, or one shard per torchrun process
        args.benchmark,
        model,
        args.data,
        args.predictions,
        video_folder=args.video_folder,
        memory=args.memory,
        fps=args.fps or 1.0,
        limit=args.limit,
        sampling=sampling,
        memory_semantics=args.memory_semantics,
        judge=judge,
        resume=not args.restart,
    )
    if summary is not None:  # None: a torchrun process other than the first
        print(json.dumps(summary) if args.json else summary.get("table", json.dumps(summary)))
    return 0


def _variants(args: argparse.Namespace) -> list:
    """The synthetic benchmark's variants named by ``--variants`` (all: the standard table)."""
    from ..eval.benchmark import position_variants, standard_variants

    variants = standard_variants()
    if args.variants == "all":
        return variants
    known = variants + position_variants()
    wanted = [key.strip() for key in args.variants.split(",")]
    unknown = [key for key in wanted if key not in {v.key for v in known}]
    if unknown:
        raise VideoScanError(
            f"unknown variant(s) {unknown}; known: " + ", ".join(v.key for v in known)
        )
    return [v for v in known if v.key in wanted]


def _synthetic(args: argparse.Namespace, model) -> int:
    from ..eval.benchmark import evaluate, format_table

    results = []
    for variant in _variants(args):
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
