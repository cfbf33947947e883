"""Choosing the torch device and dtype.

Contract: ``resolve_device(None)`` gives CUDA when present, else Apple ``mps`` when torch reports
it, else CPU; ``resolve_dtype(None, dev)`` gives bfloat16 on CUDA devices that support it
(float16 otherwise), float16 on ``mps`` (float32 is allowed there; bfloat16 is refused, MPS
support for it depends on the macOS version) and float32 on CPU, where reduced precision is
several times slower (see PERF-BASELINE.md).
"""

from __future__ import annotations

import torch

_DTYPES = {
    "float32": torch.float32,
    "fp32": torch.float32,
    "bfloat16": torch.bfloat16,
    "bf16": torch.bfloat16,
    "float16": torch.float16,
    "fp16": torch.float16,
}


def mps_available() -> bool:
    """True when torch can run on an Apple GPU."""
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def resolve_device(name: str | None) -> torch.device:
    """The device to run on; raises ValueError for a CUDA or MPS device that is not there."""
    if name is None or name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps" if mps_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("CUDA was requested but no CUDA device is available; use --device cpu")
    if device.type == "mps" and not mps_available():
        raise ValueError("MPS was requested but torch reports no Apple GPU; use --device cpu")
    return device


def resolve_dtype(name: str | None, device: torch.device) -> torch.dtype:
    """The compute dtype for a device."""
    if name is None or name == "auto":
        if device.type == "cuda":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        if device.type == "mps":
            return torch.float16
        return torch.float32
    try:
        dtype = _DTYPES[name]
    except KeyError:
        raise ValueError(f"unknown dtype {name!r}; use float32, bfloat16 or float16") from None
    if device.type == "mps" and dtype == torch.bfloat16:
        raise ValueError("bfloat16 is not supported on mps here; use float16 or float32")
    return dtype


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")
