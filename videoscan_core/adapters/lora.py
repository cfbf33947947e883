"""LoRA adapters kept beside a language model's weights, and switched off for plain text.

Contract: ``LoraSettings`` (rank, alpha, target module names) is what ``videoscan.json`` says
under ``"lora"``. ``attach_lora(decoder, settings, weights)`` injects peft LoRA layers into the
language model (``decoder``: the model without its head) and loads their weights from a
safetensors file whose names are relative to the decoder (``layers.0.self_attn.q_proj.lora_A.
default.weight``); ``lora_state(decoder)`` is that mapping (what ``save_file`` writes).
``adapters_off(module)`` is a context in which every LoRA layer under ``module`` computes its base
layer alone (peft's own disabled path: the base weights, nothing added), restored on exit;
``requires_grad`` is left as it was (peft's ``enable_adapters`` would change it).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

LORA_FILE = "videoscan-lora.safetensors"
ALL_LINEAR = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class LoraSettings:
    rank: int = 8
    alpha: float = 16.0
    targets: tuple[str, ...] = field(default=ALL_LINEAR)

    def to_json(self) -> dict:
        return {**asdict(self), "targets": list(self.targets)}

    @classmethod
    def from_json(cls, data: dict) -> LoraSettings:
        return cls(int(data["rank"]), float(data["alpha"]), tuple(data["targets"]))


def inject_lora(decoder: torch.nn.Module, settings: LoraSettings) -> None:
    """Wrap the target linear layers of ``decoder`` with LoRA (B starts at zero)."""
    from peft import LoraConfig, inject_adapter_in_model

    config = LoraConfig(r=settings.rank, lora_alpha=settings.alpha,
                        target_modules=list(settings.targets), lora_dropout=0.0)
    inject_adapter_in_model(config, decoder)


def lora_state(decoder: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The LoRA weights of ``decoder``, names relative to it."""
    return {name: tensor for name, tensor in decoder.state_dict().items() if ".lora_" in name}


def attach_lora(decoder: torch.nn.Module, settings: LoraSettings, weights: Path) -> None:
    """Inject LoRA into ``decoder`` and load its weights (every one must fit)."""
    from safetensors.torch import load_file

    inject_lora(decoder, settings)
    state = load_file(str(weights), device=str(next(decoder.parameters()).device))
    expected = set(lora_state(decoder))
    if set(state) != expected:
        raise ValueError(
            f"{weights.name} does not fit the model: {len(expected - set(state))} LoRA weights "
            f"missing, {len(set(state) - expected)} unexpected"
        )
    dtype = next(decoder.parameters()).dtype
    decoder.load_state_dict({k: v.to(dtype) for k, v in state.items()}, strict=False)
    decoder.requires_grad_(False)


def adapter_layers(module: torch.nn.Module) -> list[torch.nn.Module]:
    from peft.tuners.tuners_utils import BaseTunerLayer

    return [layer for layer in module.modules() if isinstance(layer, BaseTunerLayer)]


@contextmanager
def adapters_off(module: torch.nn.Module | None) -> Iterator[None]:
    """Every LoRA layer under ``module`` runs its base layer alone inside this block."""
    layers = adapter_layers(module) if module is not None else []
    before = [layer._disable_adapters for layer in layers]
    for layer in layers:
        layer._disable_adapters = True  # peft 0.21: forward() then returns base_layer(x)
    try:
        yield
    finally:
        for layer, state in zip(layers, before, strict=True):
            layer._disable_adapters = state
