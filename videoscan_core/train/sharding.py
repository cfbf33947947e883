"""Sharded training with FSDP2 (``torch.distributed.fsdp.fully_shard``) under torchrun.

Contract: ``shard(wrapper, vlm, masked)`` shards a training wrapper (``CarrierTrainingModel`` or
``StreamReplayTrainingModel``) over every process of the run (gloo on CPU, NCCL on CUDA): weights,
gradients and optimizer states are split across processes; each process gathers the weights of a
unit just before it runs. Units: the masked forward (LLaVA families) calls every decoder layer
once per step, so each layer is its own unit (only one layer's weights are whole at a time); the
replayed stream (SmolVLM2, Qwen-VL) calls the layers a data-dependent number of times (frames and
questions per sample differ between processes), and FSDP2's per-unit collectives must match across
processes, so the whole model is one unit there (sharded between steps, whole during a step:
optimizer states and gradients stay sharded, which is what most of the memory is).
The wrapper is then marked ``is_distributed_loading_by_transformers`` so the Trainer neither
wraps it in DDP nor moves it.

Checkpoints of a sharded run (``save_checkpoint`` / ``load_checkpoint``, all processes call them):
the weights and optimizer states as one ``torch.distributed.checkpoint`` folder (each process
writes its own shards; a run resumes with the same or another process count).
``full_state_dict(wrapper)`` gathers the whole weights on process 0 (others get ``{}``): the final
model is written from it.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from ..errors import VideoScanError

SHARDED_FOLDER = "sharded"  # inside a checkpoint folder: the torch.distributed.checkpoint files


def world_size() -> int:
    distributed = torch.distributed
    if distributed.is_available() and distributed.is_initialized():
        return distributed.get_world_size()
    return 1


def shard(wrapper: nn.Module, vlm, masked: bool, device: torch.device) -> int:
    """Shard ``wrapper`` in place over all processes; returns the number of FSDP units."""
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard

    distributed = torch.distributed
    if not (distributed.is_available() and distributed.is_initialized()):
        raise VideoScanError("--fsdp runs under torchrun (e.g. torchrun --nproc_per_node 2 ...)")
    mesh = init_device_mesh(device.type, (distributed.get_world_size(),))
    units = 0
    if masked:  # every layer runs once per step on every process: one unit per layer
        for layer in vlm.decoder.layers:
            fully_shard(layer, mesh=mesh)
            units += 1
    fully_shard(wrapper, mesh=mesh)
    wrapper.is_distributed_loading_by_transformers = True  # no DDP wrap, no device move
    return units + 1


def _options(full: bool):
    from torch.distributed.checkpoint.state_dict import StateDictOptions

    return StateDictOptions(full_state_dict=full, cpu_offload=full)


def full_state_dict(wrapper: nn.Module) -> dict[str, torch.Tensor]:
    """The whole weights (CPU tensors) on process 0, ``{}`` elsewhere; every process calls it.
    Keys are the wrapper's (``model.<transformers name>``)."""
    from torch.distributed.checkpoint.state_dict import get_model_state_dict

    return get_model_state_dict(wrapper, options=_options(True))


def _raw(optimizer):
    return getattr(optimizer, "optimizer", optimizer)  # accelerate wraps the torch optimizer


def save_checkpoint(wrapper: nn.Module, optimizer, folder: Path) -> None:
    """Weights and optimizer states, sharded, into ``folder / SHARDED_FOLDER``."""
    import torch.distributed.checkpoint as dcp
    from torch.distributed.checkpoint.state_dict import get_state_dict

    model_state, optimizer_state = get_state_dict(
        wrapper, _raw(optimizer) if optimizer is not None else [], options=_options(False)
    )
    state = {"model": model_state}
    if optimizer is not None:
        state["optimizer"] = optimizer_state
    dcp.save(state, checkpoint_id=str(Path(folder) / SHARDED_FOLDER))


def has_checkpoint(folder: Path) -> bool:
    return (Path(folder) / SHARDED_FOLDER / ".metadata").is_file()


def load_weights(wrapper: nn.Module, folder: Path) -> None:
    """Weights from a sharded checkpoint; one line naming the checkpoint when they do not fit."""
    import torch.distributed.checkpoint as dcp
    from torch.distributed.checkpoint.state_dict import get_model_state_dict, set_model_state_dict

    state = {"model": get_model_state_dict(wrapper, options=_options(False))}
    try:
        dcp.load(state, checkpoint_id=str(Path(folder) / SHARDED_FOLDER))
    except Exception as error:  # noqa: BLE001 - DCP raises several types for a mismatch
        first = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise VideoScanError(
            f"checkpoint {folder} does not fit this model ({first[:200]}): resume with the "
            "model, --lora-rank and --vision settings it was trained with"
        ) from error
    set_model_state_dict(wrapper, state["model"], options=_options(False))


def load_optimizer(wrapper: nn.Module, optimizer, folder: Path) -> None:
    """Optimizer states from a sharded checkpoint (after the optimizer exists)."""
    import torch.distributed.checkpoint as dcp
    from torch.distributed.checkpoint.state_dict import (
        get_optimizer_state_dict,
        set_optimizer_state_dict,
    )

    raw = _raw(optimizer)
    state = {"optimizer": get_optimizer_state_dict(wrapper, raw, options=_options(False))}
    dcp.load(state, checkpoint_id=str(Path(folder) / SHARDED_FOLDER))
    set_optimizer_state_dict(wrapper, raw, state["optimizer"], options=_options(False))
