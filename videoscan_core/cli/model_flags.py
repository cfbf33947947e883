"""The model flags of every subcommand, defined once (the same names, defaults and help).

Contract: ``add_model_flags(parser, dtype=..., quantize=..., vision_runtime=..., frame_tokens=...,
answer_runtime=...)`` adds ``--model`` (required), ``--device`` and the optional ones asked for;
``add_memory_flag`` adds ``--memory``. Each subcommand reads them from its namespace as before and
passes ``--frame-tokens`` to ``load_model`` (checked first by ``limits.check_numbers``).
"""

from __future__ import annotations

import argparse

from ..limits import VIDEO_FRAME_TOKENS
from ..paths import MODEL_HELP

DTYPES = ("float32", "bfloat16", "float16")


def add_model_flags(
    parser: argparse.ArgumentParser,
    dtype: bool = True,
    quantize: bool = False,
    vision_runtime: bool = False,
    frame_tokens: bool = False,
    answer_runtime: bool = False,
) -> None:
    parser.add_argument("--model", required=True, help=MODEL_HELP)
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:1, mps (default: auto)")
    if dtype:
        parser.add_argument(
            "--dtype", default=None, choices=DTYPES, help="default: bfloat16 on GPU, float32 on CPU"
        )
    if quantize:
        parser.add_argument(
            "--quantize",
            choices=["none", "int8"],
            default="none",
            help="int8 dynamic quantisation of the language model (CPU only)",
        )
    if vision_runtime:
        parser.add_argument(
            "--vision-runtime",
            choices=["auto", "torch", "openvino"],
            default="auto",
            help="what runs the vision tower on a CPU: auto (OpenVINO where installed, bfloat16 "
            "where the CPU has it), openvino, or torch (PyTorch float32, the reference)",
        )
    if answer_runtime:
        parser.add_argument(
            "--answer-runtime",
            choices=["auto", "torch", "bf16", "int8", "openvino", "openvino-bf16"],
            default="auto",
            help="what runs the language model while answering on a CPU: auto (OpenVINO float32 "
            "where installed: the same answers as float32), torch (PyTorch float32, the "
            "reference), openvino, or the approximate bf16, int8, openvino-bf16",
        )
    if frame_tokens:
        parser.add_argument(
            "--frame-tokens",
            type=int,
            default=VIDEO_FRAME_TOKENS,
            metavar="N",
            help=f"Qwen-VL: at most N tokens per frame (default {VIDEO_FRAME_TOKENS}, the video "
            "budget: 720 at 1080p); 0 = the checkpoint's image budget (2,691 / 2,040 tokens at "
            "1080p)",
        )


def add_memory_flag(parser: argparse.ArgumentParser, default: int = 64) -> None:
    parser.add_argument(
        "--memory", type=int, default=default, help=f"carriers kept, M (default {default})"
    )
