"""Optional int8 dynamic quantisation of the language model's linear layers (CPU only).

Contract: ``quantize_language_model(model)`` replaces every ``nn.Linear`` inside the decoder
layers of a LLaVA-OneVision model with PyTorch's dynamically quantised int8 version (weights int8,
activations quantised per batch); the LM head, embeddings, vision tower and the KV cache stay in
float. Whether it pays off is measured in benchmarks/NOTES.md (speed and answers on the demo
benchmark), so it is off by default.
"""

from __future__ import annotations

import warnings

import torch


def quantize_language_model(model, layers: torch.nn.Module | None = None) -> int:
    """Quantise the decoder layers in place (``layers``: the adapter's ``decoder.layers``;
    default LLaVA-OneVision's); returns how many linear layers were replaced."""
    if model.lm_head.weight.device.type != "cpu":
        raise ValueError("int8 dynamic quantisation runs on the CPU only")
    from torch.ao.quantization import quantize_dynamic

    if layers is None:
        layers = model.model.language_model.layers
    before = sum(isinstance(m, torch.nn.Linear) for m in layers.modules())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the eager-mode API is deprecated in favour of torchao
        quantize_dynamic(layers, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
    return before
