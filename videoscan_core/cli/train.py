"""``videoscan train --stage 0|1|2 --model M --data synthetic|JSON --output DIR``."""

from __future__ import annotations

import argparse
import sys

from ..errors import VideoScanError


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "train", help="train a model: stage 0 (full tokens), 1 (carriers), 2 (semantic mask)"
    )
    parser.add_argument("--stage", type=int, choices=[0, 1, 2], required=True)
    parser.add_argument("--model", required=True, help="model folder to start from")
    parser.add_argument(
        "--data",
        default="synthetic",
        help="'synthetic' (multiple choice), 'synthetic-words' (multiple choice plus answers in "
        "words, yes/no, follow-ups and refusals) or a LLaVA-Video-178K-style JSON file "
        "(default synthetic)",
    )
    parser.add_argument("--video-folder", help="where the JSON's videos are (default: its folder)")
    parser.add_argument("--output", required=True, help="folder for checkpoints and the result")
    parser.add_argument("--videos", type=int, default=2000, help="synthetic training videos")
    parser.add_argument(
        "--easy-fraction",
        type=float,
        default=0.0,
        help="synthetic: share of short two-shape videos (curriculum, default 0)",
    )
    parser.add_argument("--max-steps", type=int, default=500, help="optimizer steps (<=0: epochs)")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--grad-accum", type=int, default=1)
    parser.add_argument("--lr", type=float, default=1e-3, help="peak learning rate")
    parser.add_argument("--warmup-steps", type=int, default=20)
    parser.add_argument(
        "--position-mode",
        choices=["compact", "monotonic", "rerotate", "sliding"],
        default="compact",
        help="stage-2 positions, as streaming will use them (default compact)",
    )
    parser.add_argument(
        "--lora-rank",
        type=int,
        default=0,
        help="LoRA rank for the language model (0 = full fine-tuning)",
    )
    parser.add_argument("--vision", choices=["full", "frozen", "lora"], default="full")
    parser.add_argument("--save-steps", type=int, default=200)
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    parser.add_argument("--seed", type=int, default=0)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from .. import errors
    from ..train.runner import TrainOptions, train

    if args.batch_size < 1 or args.grad_accum < 1:
        raise VideoScanError("--batch-size and --grad-accum must be at least 1")
    if args.lr <= 0:
        raise VideoScanError("--lr must be greater than 0")
    options = TrainOptions(
        stage=args.stage,
        model=args.model,
        output=args.output,
        data=args.data,
        video_folder=args.video_folder,
        videos=args.videos,
        easy_fraction=args.easy_fraction,
        max_steps=args.max_steps,
        epochs=args.epochs,
        batch_size=args.batch_size,
        grad_accum=args.grad_accum,
        learning_rate=args.lr,
        warmup_steps=args.warmup_steps,
        position_mode=args.position_mode,
        lora_rank=args.lora_rank,
        vision=args.vision,
        save_steps=args.save_steps,
        resume=args.resume,
        seed=args.seed,
    )
    try:
        output = train(options)
    except FileNotFoundError as error:
        raise errors.VideoReadError(str(error)) from None
    print(f"stage {args.stage} model written to {output}", file=sys.stderr)
    print(output)
    return 0
