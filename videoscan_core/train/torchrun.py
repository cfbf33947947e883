"""The end of a training process that torchrun started (DDP or FSDP, gloo on CPU, NCCL on GPUs).

Contract: ``leave_process_group()`` waits until every process is done (process 0 has written the
model) and closes the process group; it does nothing in a single process. ``end_process(code)``
then ends a torchrun process without Python's interpreter shutdown (``os._exit`` after flushing
output and logs); outside torchrun (no ``LOCAL_RANK``) it returns and the caller exits as usual.

Why not a plain exit: after the last collective, gloo's worker thread may still be releasing the
finished work's tensors, which takes the GIL; when the main thread is already finalizing the
interpreter, that thread is unwound and the process aborts ("terminate called without an active
exception", exit code -6 or -11, seen once in about 30 resumed FSDP runs on a loaded machine), so
torchrun reports a failed run after the model was written. ``destroy_process_group`` does not join
those threads while a device mesh or a sharded module still holds the group.
"""

from __future__ import annotations

import logging
import os
import sys

import torch


def leave_process_group() -> None:
    """Wait for every process, then close the process group (when one is open)."""
    distributed = torch.distributed
    if distributed.is_available() and distributed.is_initialized():
        distributed.barrier()
        distributed.destroy_process_group()


def end_process(code: int) -> None:
    """Under torchrun: flush and leave with ``code`` now (never returns). Elsewhere: return."""
    if "LOCAL_RANK" not in os.environ:
        return
    leave_process_group()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(code)
