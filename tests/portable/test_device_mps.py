"""Apple GPUs: ``mps`` is chosen automatically like CUDA, in float16 (float32 allowed)."""

from __future__ import annotations

import pytest
import torch

from videoscan_core.adapters import device as dev


def test_auto_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(dev, "mps_available", lambda: True)
    assert dev.resolve_device(None).type == "mps"
    assert dev.resolve_device("auto").type == "mps"
    monkeypatch.setattr(dev, "mps_available", lambda: False)
    assert dev.resolve_device(None).type == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(dev, "mps_available", lambda: True)
    assert dev.resolve_device(None).type == "cuda"


def test_mps_dtypes():
    mps = torch.device("mps")
    assert dev.resolve_dtype(None, mps) == torch.float16
    assert dev.resolve_dtype("float32", mps) == torch.float32
    with pytest.raises(ValueError, match="bfloat16"):
        dev.resolve_dtype("bfloat16", mps)


def test_mps_requested_without_an_apple_gpu(monkeypatch):
    monkeypatch.setattr(dev, "mps_available", lambda: False)
    with pytest.raises(ValueError, match="MPS was requested"):
        dev.resolve_device("mps")


def test_hardware_names_the_apple_gpu(monkeypatch):
    from videoscan_core.hub import hardware

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    name, memory = hardware._detect_gpu(32.0)
    assert "mps" in name and memory == 32.0
