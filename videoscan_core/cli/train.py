"""``videoscan train --stage 0|1|2 --model M --data synthetic|JSON --output DIR``.

``--recipe official|demo`` fills every hyper-parameter flag not given (``train/recipes.py``:
the official values and their sources); bad flags, the output folder, the data (every record
and video) and the model's family are checked before the model loads (``train/preflight.py``).
Under ``torchrun`` the same command trains with DDP (transformers' Trainer)."""

from __future__ import annotations

import argparse
import sys

from ..errors import VideoScanError


def _recipe(field: str) -> str:
    """The recipes' values of a training option, for its help text."""
    from ..train.recipes import RECIPES

    values = ", ".join(
        f"{name} {'as --lr' if recipe[field] is None else recipe[field]}"
        for name, recipe in RECIPES.items()
    )
    return f" (default from --recipe: {values})"


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "train", help="train a model: stage 0 (full tokens), 1 (carriers), 2 (semantic mask)"
    )
    parser.add_argument(
        "--stage",
        type=int,
        choices=[0, 1, 2],
        required=True,
        help="0: full visual tokens (a baseline); 1: each frame as its carrier only; 2: frames "
        "and carriers with the semantic-aware mask (the paper's second stage)",
    )
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
    parser.add_argument(
        "--recipe",
        choices=["demo", "official"],
        default="demo",
        help="official: the paper's LoRA r=64, alpha 16, lr 1e-5, vision LoRA at 2e-6, 3 frames "
        "per clip, 1 epoch; demo: the tiny model's settings (default). Flags override it",
    )
    parser.add_argument(
        "--max-steps", type=int, help="optimizer steps (<=0: epochs)" + _recipe("max_steps")
    )
    parser.add_argument("--epochs", type=float, help="passes over the data" + _recipe("epochs"))
    parser.add_argument("--batch-size", type=int, help="per process" + _recipe("batch_size"))
    parser.add_argument(
        "--grad-accum",
        type=int,
        help="batches added up per optimizer step" + _recipe("grad_accum"),
    )
    parser.add_argument("--lr", type=float, help="peak learning rate" + _recipe("learning_rate"))
    parser.add_argument(
        "--vision-lr",
        type=float,
        help="vision tower learning rate" + _recipe("vision_learning_rate"),
    )
    parser.add_argument(
        "--warmup-steps", type=int, help="linear warm-up steps" + _recipe("warmup_steps")
    )
    parser.add_argument(
        "--warmup-ratio",
        type=float,
        help="warm-up as a share of all steps" + _recipe("warmup_ratio"),
    )
    parser.add_argument(
        "--frames-per-clip", type=int, help="JSON data: frames per clip, uniform (0: 1 fps)"
    )
    parser.add_argument(
        "--position-mode",
        choices=["compact", "monotonic", "rerotate", "sliding", "official"],
        default="compact",
        help="stage-2 positions: as streaming will use them (default compact), or official "
        "(0..L-1 over the whole sequence, as the official training code)",
    )
    parser.add_argument(
        "--lora-rank", type=int, help="LoRA rank for the language model (0 = full fine-tuning)"
    )
    parser.add_argument("--lora-alpha", type=float, help="LoRA alpha (default 2 x rank)")
    parser.add_argument(
        "--vision",
        choices=["full", "frozen", "lora"],
        help="how the vision tower trains" + _recipe("vision"),
    )
    parser.add_argument(
        "--save-steps", type=int, default=200, help="a checkpoint every N steps (200)"
    )
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace a non-empty --output folder"
    )
    parser.add_argument(
        "--fsdp",
        action="store_true",
        help="shard weights, gradients and optimizer states over the torchrun processes (FSDP2)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="random seed of data order and weights (0)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from .. import errors
    from ..train.recipes import apply_recipe
    from ..train.runner import TrainOptions, train
    from ..train.torchrun import end_process

    given = {
        "max_steps": args.max_steps,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "grad_accum": args.grad_accum,
        "learning_rate": args.lr,
        "vision_learning_rate": args.vision_lr,
        "warmup_steps": args.warmup_steps,
        "warmup_ratio": args.warmup_ratio,
        "frames_per_clip": args.frames_per_clip,
        "lora_rank": args.lora_rank,
        "lora_alpha": args.lora_alpha,
        "vision": args.vision,
    }
    values = apply_recipe(args.recipe, given)
    if values["batch_size"] < 1 or values["grad_accum"] < 1:
        raise VideoScanError("--batch-size and --grad-accum must be at least 1")
    if values["learning_rate"] <= 0 or (values["vision_learning_rate"] or 1) <= 0:
        raise VideoScanError("--lr must be greater than 0")
    options = TrainOptions(
        stage=args.stage,
        model=args.model,
        output=args.output,
        data=args.data,
        video_folder=args.video_folder,
        videos=args.videos,
        easy_fraction=args.easy_fraction,
        position_mode=args.position_mode,
        save_steps=args.save_steps,
        resume=args.resume,
        overwrite=args.overwrite,
        fsdp=args.fsdp,
        seed=args.seed,
        **values,
    )
    try:
        output = train(options)
    except FileNotFoundError as error:
        raise errors.VideoReadError(str(error)) from None
    print(f"stage {args.stage} model written to {output}", file=sys.stderr)
    print(output)
    end_process(0)  # under torchrun: ends here, without the interpreter shutdown (torchrun.py)
    return 0
