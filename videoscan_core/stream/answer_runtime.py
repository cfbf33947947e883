"""What runs the language model while the engine answers (question prefill and decoding).

Contract:
- ``choose_answer_runtime(requested, flags, capability, ...)`` is pure (CPU facts injected):
  ``"torch"`` is PyTorch float32 on the engine's own cache (the reference: the equivalence tests
  run it); ``"bf16"`` a bfloat16 copy of the decoder and head, only on CPUs with AVX-512 BF16 or
  AMX where PyTorch dispatches AVX-512 kernels (elsewhere bfloat16 is emulated, several times
  slower: benchmarks/NOTES.md); ``"int8"`` a copy with PyTorch's dynamic int8 linear layers (x86
  quantised engine), head and cache float32; ``"openvino"`` the decoder and head converted with
  OpenVINO and run in float32, ``"openvino-bf16"`` with its bfloat16 precision hint (bfloat16 CPUs
  only; ``adapters/lm_openvino.py``). ``"auto"`` takes the first of ``AUTO_ORDER`` this CPU runs
  (the order comes from ``benchmarks/answer_latency.py`` and ``benchmarks/answer_eval.py``, see
  benchmarks/NOTES.md: only runtimes whose greedy answers equal float32's on the demo benchmark
  are in it), so never a bfloat16 runtime on a CPU without bfloat16 instructions, and keeps
  language models under ``AUTO_MIN_LM_PARAMS`` on PyTorch; models not on the CPU or not in
  float32 always answer with PyTorch.
- ``attach(adapter, requested)`` builds the chosen runtime once per adapter
  (``adapter.answer_runtime``); a runtime that is missing or fails to build logs one line and
  answers with PyTorch float32. Frames are never affected: the cache the answer reads is the one
  PyTorch float32 wrote.
- ``runtime.session(cache, extra)`` starts one answer: ``session.logits(inputs [1, q, D],
  positions [R, 1, q]) -> [V]`` runs the decoder over the cache snapshot plus the tokens it was
  given before, and never writes the engine's cache except for ``torch``/``int8``, whose session
  appends to it (the engine truncates after the answer, as always); ``session.length``: the
  entries it holds (the engine's, then the answer's tokens). ``session.cache`` and
  ``session.attention_modules`` serve the evidence probe; ``session.rows`` (OpenVINO) gives the
  probed rows directly.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass

import torch

from ..adapters.vision_runtime import BF16_FLAGS, cpu_flags, openvino_available
from .slot_cache import SlotCache

log = logging.getLogger("videoscan")

ANSWER_RUNTIMES = ("auto", "torch", "bf16", "int8", "openvino", "openvino-bf16")
VNNI_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})
# "auto": the first this CPU runs. Only runtimes whose greedy answers equal float32's on the demo
# benchmark belong here (benchmarks/NOTES.md, "Answer runtimes"); the others are asked for by name.
AUTO_ORDER = ("openvino", "torch")
# "auto" keeps smaller language models on PyTorch (the tiny test models and the current demo
# model, ~2M weights: converting them would only slow every test and first start); SmolLM2-135M
# is above
AUTO_MIN_LM_PARAMS = 50_000_000


@dataclass(frozen=True)
class AnswerChoice:
    runtime: str  # one of ANSWER_RUNTIMES but "auto"
    reason: str

    @property
    def name(self) -> str:
        return {"torch": "torch-f32", "bf16": "torch-bf16", "int8": "torch-int8",
                "openvino": "openvino-f32"}.get(self.runtime, self.runtime)


def supports(runtime: str, flags: frozenset[str], capability: str, openvino: bool) -> str:
    """Why ``runtime`` cannot run on this CPU, or "" when it can."""
    if runtime in ("bf16", "openvino-bf16") and not flags & BF16_FLAGS:
        return "the CPU lacks bfloat16 instructions"
    if runtime == "bf16" and capability not in ("AVX512", "AMX"):
        return f"PyTorch runs {capability} kernels here, not AVX-512"
    if runtime == "int8" and not flags & VNNI_FLAGS and "avx2" not in flags:
        return "the CPU lacks the int8 instructions PyTorch's x86 engine uses"
    if runtime.startswith("openvino") and not openvino:
        return "OpenVINO is not installed"
    return ""


def choose_answer_runtime(
    requested: str,
    flags: frozenset[str],
    capability: str,
    *,
    openvino: bool,
    device: str = "cpu",
    dtype: torch.dtype = torch.float32,
    lm_params: int | None = None,
) -> AnswerChoice:
    if requested not in ANSWER_RUNTIMES:
        raise ValueError(f"answer runtime must be one of {', '.join(ANSWER_RUNTIMES)} "
                         f"(got {requested!r})")
    if requested == "torch":
        return AnswerChoice("torch", "PyTorch asked for")
    if device != "cpu" or dtype != torch.float32:
        return AnswerChoice("torch", f"the model runs on {device} in {dtype}, not float32 CPU")
    if requested != "auto":
        why = supports(requested, flags, capability, openvino)
        if why:
            log.warning("answer runtime %s not used: %s; using PyTorch float32", requested, why)
            return AnswerChoice("torch", why)
        return AnswerChoice(requested, "asked for")
    if lm_params is not None and lm_params < AUTO_MIN_LM_PARAMS:
        return AnswerChoice("torch", f"the language model is small ({lm_params} weights)")
    for runtime in AUTO_ORDER:
        if not supports(runtime, flags, capability, openvino):
            return AnswerChoice(runtime, "it keeps float32's answers and runs on this CPU")
    return AnswerChoice("torch", "no other runtime runs on this CPU")


def _language_model_copy(adapter) -> tuple[torch.nn.Module, torch.nn.Module]:
    """Deep copies of the decoder (without its input embedding: answers feed embeddings) and
    the head."""
    decoder = adapter.decoder
    memo = {id(decoder.get_input_embeddings()): torch.nn.Identity()}
    return copy.deepcopy(decoder, memo), copy.deepcopy(adapter.lm_head)


class TorchSession:
    """One answer on a PyTorch decoder: over the engine's cache (float32) or over a copy of it
    in another dtype."""

    rows = None

    def __init__(self, runtime: TorchRuntime, cache: SlotCache, extra: int) -> None:
        self.runtime = runtime
        self.attention_modules = [layer.self_attn for layer in runtime.decoder.layers]
        if not runtime.own_cache:
            self.cache = cache  # appended to; the engine truncates after the answer
            return
        self.cache = SlotCache(len(cache.layers), initial_capacity=cache.length + extra)
        if cache.length:
            for index in range(len(cache.layers)):
                keys, values = cache.layer_kv(index)  # [1, H_kv, L, hd]
                self.cache.layers[index].update(keys.to(runtime.dtype), values.to(runtime.dtype))

    @property
    def length(self) -> int:
        """Entries the answer's cache holds: the engine's, then the answer's tokens."""
        return self.cache.length

    def logits(self, inputs: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        runtime = self.runtime
        hidden = runtime.decoder(
            inputs_embeds=inputs.to(runtime.dtype),
            position_ids=runtime.adapter.decoder_position_ids(positions),
            past_key_values=self.cache,
            use_cache=True,
        ).last_hidden_state  # [1, q, D]
        return runtime.head(hidden[:, -1])[0].float()  # [V]


class TorchRuntime:
    """PyTorch float32 (the adapter's own modules), bfloat16 or int8 (copies)."""

    def __init__(self, adapter, kind: str) -> None:
        self.adapter = adapter
        self.kind = kind
        self.name = AnswerChoice(kind, "").name
        self.dtype = torch.bfloat16 if kind == "bf16" else torch.float32
        self.own_cache = self.dtype != torch.float32  # the engine's cache is float32
        if kind == "torch":
            self.decoder, self.head = adapter.decoder, adapter.lm_head
            return
        decoder, head = _language_model_copy(adapter)
        if kind == "bf16":
            decoder, head = decoder.to(torch.bfloat16), head.to(torch.bfloat16)
        else:
            from ..adapters.quantize import quantize_language_model

            quantize_language_model(adapter.model, decoder.layers)
        self.decoder, self.head = decoder.eval(), head.eval()

    def session(self, cache: SlotCache, extra: int) -> TorchSession:
        return TorchSession(self, cache, extra)


def attach(adapter, requested: str = "auto", *, flags: frozenset[str] | None = None):
    """Build the answer runtime chosen for ``requested`` on this CPU, once per adapter (asking
    again for the same one keeps it); falls back to PyTorch float32 in one line."""
    attached = adapter.__dict__.get("answer_runtime")
    if attached is not None and attached.requested == requested and flags is None:
        return attached
    choice = choose_answer_runtime(
        requested,
        cpu_flags() if flags is None else flags,
        torch.backends.cpu.get_cpu_capability(),
        openvino=openvino_available(),
        device=adapter.device.type,
        dtype=adapter.dtype,
        lm_params=sum(p.numel() for p in adapter.decoder.layers.parameters()),
    )
    runtime = _build(adapter, choice)
    runtime.requested, runtime.choice = requested, choice
    adapter.answer_runtime = runtime
    return runtime


def _build(adapter, choice: AnswerChoice):
    try:
        if choice.runtime.startswith("openvino"):
            from ..adapters.lm_openvino import OpenVinoRuntime

            return OpenVinoRuntime(adapter, "bf16" if choice.runtime.endswith("bf16") else "f32")
        return TorchRuntime(adapter, choice.runtime)
    except Exception as error:  # noqa: BLE001 - one line, then PyTorch float32
        first = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        log.warning("answer runtime %s could not be prepared (%s: %s); using PyTorch float32",
                    choice.name, type(error).__name__, first[:200])
        fallback = TorchRuntime(adapter, "torch")
        fallback.failed = choice.name
        return fallback


def active(adapter) -> str:
    """What answers now: "torch-f32", "torch-bf16", "torch-int8", "openvino-f32" or
    "openvino-bf16"."""
    runtime = adapter.__dict__.get("answer_runtime")
    return "torch-f32" if runtime is None else runtime.name


def detach(adapter) -> None:
    """Back to PyTorch float32 on the engine's cache."""
    adapter.__dict__.pop("answer_runtime", None)
