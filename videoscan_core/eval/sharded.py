"""``videoscan eval`` over several processes (``torchrun --nproc_per_node N``).

Contract: ``shard_from_env()`` = ``(RANK, WORLD_SIZE)`` from torchrun's environment ((0, 1)
without it). ``run_sharded(fmt, model, annotation, predictions_path, **options)``: in one process
it is ``run_public_benchmark``; under torchrun each process takes every N-th video
(``shard=(rank, N)``), appends its rows to ``<predictions>.rank<r>`` (each resumes from its own
file), waits for the others (``torch.distributed`` barrier, gloo on CPU, nccl on GPUs), and
process 0 merges the files into ``predictions_path`` in item order and returns the summary of
all items; the other processes return None. Sharding needs ``predictions_path`` (the files are
how the processes hand their rows over).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import VideoScanError


def shard_from_env() -> tuple[int, int]:
    return int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))


def rank_file(predictions_path: str | Path, rank: int) -> Path:
    return Path(f"{predictions_path}.rank{rank}")


def _barrier() -> None:
    import torch
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    dist.barrier()
    # closed now: a gloo group left open can abort a process at exit (exit code -6)
    dist.destroy_process_group()


def run_sharded(fmt: str, model, annotation, predictions_path, **options) -> dict | None:
    from .predictions import merge
    from .public import run_public_benchmark, summarise

    rank, world = shard_from_env()
    if world <= 1:
        return run_public_benchmark(
            fmt, model, annotation, predictions_path=predictions_path, **options
        )
    if not predictions_path:
        raise VideoScanError("a sharded eval (torchrun) needs --predictions")
    partial = run_public_benchmark(
        fmt,
        model,
        annotation,
        predictions_path=rank_file(predictions_path, rank),
        shard=(rank, world),
        **options,
    )
    _barrier()
    if rank != 0:
        return None
    rows = merge([rank_file(predictions_path, r) for r in range(world)], predictions_path)
    summary = summarise(fmt, rows, seconds=partial["seconds"])
    summary["processes"] = world
    return summary
