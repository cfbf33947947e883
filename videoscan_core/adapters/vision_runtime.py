"""Run an adapter's vision path (tower + connector -> visual tokens ``[B, N, D]``) on a faster CPU
runtime, with PyTorch float32 as the reference and the fallback.

Contract:
- ``choose_runtime(requested, flags, openvino=, device=)`` decides, from the CPU's feature flags,
  which runtime and precision to use: ``"torch"`` always means PyTorch; ``"auto"`` and
  ``"openvino"`` pick OpenVINO with a bfloat16 precision hint on CPUs with AVX-512 BF16 or AMX
  (measured 2.3x on SigLIP-B/16, rel. error 5e-3), OpenVINO float32 on other CPUs (bfloat16
  emulation is several times slower there), and PyTorch when OpenVINO is not installed or the
  model is not on the CPU; "auto" also keeps small towers (under 10M weights, e.g. the tiny test
  models) on PyTorch. Pure: flags are injected, nothing is probed.
- ``attach(adapter, requested)`` installs the choice on one adapter: its ``encode`` is replaced by
  ``VisionRuntime.encode`` (an instance attribute; ``detach`` restores the class's method). The
  runtime converts the adapter's own ``encode`` (``openvino.convert_model`` with the first real
  pixels as example, batch dimension dynamic) on first use, checks the converted tokens against
  PyTorch on that example (relative L2 error <= ``MAX_REL_ERROR``), saves the converted model under
  ``cache_dir()/vision/<key>`` (key: family, weight fingerprint, pixel shape, OpenVINO and torch
  versions; the ``KEEP_MODELS`` most recently used are kept) so the next start skips the
  conversion (compiling the saved model takes well under a second), and compiles it for the CPU.
- Any failure (import, conversion, compilation, the accuracy check, an inference error) logs one
  line and leaves that adapter on PyTorch for good. Calls with gradients enabled (training), with
  non-tensor pixels, a different pixel shape, or a family whose ``encode`` returns extras always
  take the PyTorch path. An abort flag is honoured before the (single-call) OpenVINO run.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch

from ..errors import StepAborted
from . import base

log = logging.getLogger("videoscan")

VisionRuntimeName = Literal["auto", "torch", "openvino"]
VISION_RUNTIMES = ("auto", "torch", "openvino")
BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
MAX_REL_ERROR = 2e-2  # start-up check; the benchmark's bar is 1e-2 (bf16 measures ~5e-3)
AUTO_MIN_VISION_PARAMS = 10_000_000  # SigLIP-B/16 has ~86M; the tiny test towers ~0.1M
FINGERPRINT_STRIDE = 4099  # every 4099th weight of every tensor goes into the cache key
GRAPH_VERSION = "2"  # bump when the converted graph changes (part of the cache key)
KEEP_MODELS = 3  # converted models kept on disk (SmolVLM2-256M's vision path: ~360 MB)


@dataclass(frozen=True)
class RuntimeChoice:
    """What runs the vision path: ``runtime`` "torch" or "openvino", ``precision`` "f32" or
    "bf16" (the OpenVINO inference precision hint), and why, in words."""

    runtime: str
    precision: str
    reason: str

    @property
    def name(self) -> str:
        return f"{self.runtime}-{self.precision}"


def cpu_flags(path: str = "/proc/cpuinfo") -> frozenset[str]:
    """The CPU's feature flags (Linux ``/proc/cpuinfo``); empty where they cannot be read."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith(("flags", "Features")):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def openvino_available() -> bool:
    return importlib.util.find_spec("openvino") is not None


def choose_runtime(
    requested: str,
    flags: frozenset[str],
    *,
    openvino: bool,
    device: str = "cpu",
    vision_params: int | None = None,
) -> RuntimeChoice:
    """The runtime and precision for ``requested`` ("auto" | "torch" | "openvino") on a CPU with
    ``flags``; ``openvino``: whether the package imports; ``device``: where the model lives;
    ``vision_params``: the vision tower's size ("auto" keeps towers under
    ``AUTO_MIN_VISION_PARAMS`` on PyTorch: converting them costs more than it saves)."""
    if requested not in VISION_RUNTIMES:
        raise ValueError(f"vision runtime must be one of {', '.join(VISION_RUNTIMES)} "
                         f"(got {requested!r})")
    if requested == "torch":
        return RuntimeChoice("torch", "f32", "PyTorch asked for")
    if device != "cpu":
        return RuntimeChoice("torch", "f32", f"the model runs on {device}, not the CPU")
    if not openvino:
        return RuntimeChoice("torch", "f32", "OpenVINO is not installed")
    if requested == "auto" and vision_params is not None and vision_params < AUTO_MIN_VISION_PARAMS:
        return RuntimeChoice("torch", "f32", f"the vision tower is small ({vision_params} weights)")
    if flags & BF16_FLAGS:
        return RuntimeChoice("openvino", "bf16", "the CPU computes bfloat16 natively")
    return RuntimeChoice("openvino", "f32", "the CPU lacks bfloat16 instructions")


def weight_fingerprint(model: torch.nn.Module) -> str:
    """A cheap digest of every parameter's name, shape and a strided sample of its values."""
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        flat = tensor.detach().reshape(-1)[::FINGERPRINT_STRIDE]
        digest.update(f"{name}{tuple(tensor.shape)}{tensor.dtype}".encode())
        digest.update(flat.float().cpu().numpy().tobytes())
    return digest.hexdigest()[:20]


def relative_error(candidate: torch.Tensor, reference: torch.Tensor) -> float:
    """||candidate - reference|| / ||reference|| (float32)."""
    reference = reference.detach().float()
    difference = candidate.detach().float() - reference
    return float(difference.norm() / reference.norm().clamp_min(1e-12))


class _EncodePath(torch.nn.Module):
    """The adapter's own PyTorch ``encode`` as a module: pixels -> tokens ``[B, N, D]``."""

    def __init__(self, adapter: base.VisionLanguageModel) -> None:
        super().__init__()
        self.adapter = adapter
        self.model = adapter.model  # registered so its weights are the module's

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return type(self.adapter).encode(self.adapter, pixels).tokens


class VisionRuntime:
    """The vision path of one adapter on the chosen runtime (see the module docstring)."""

    def __init__(
        self, adapter: base.VisionLanguageModel, choice: RuntimeChoice,
        cache_root: Path | None = None,
    ) -> None:
        self.adapter = adapter
        self.choice = choice
        self.cache_root = cache_root
        self.rel_error: float | None = None  # converted vs PyTorch on the example pixels
        self.startup_s: float | None = None  # conversion (or cache load) + compilation
        self.from_cache = False
        self.requested = choice.runtime  # what attach() was asked for
        self._compiled = None
        self._shape: tuple[int, ...] | None = None
        self._failed = choice.runtime != "openvino"
        self._lock = threading.Lock()

    @property
    def active(self) -> str:
        """What runs now: "openvino-bf16", "openvino-f32" or "torch-f32"."""
        return "torch-f32" if self._failed else self.choice.name

    def torch_encode(self, pixels) -> base.VisualTokens:
        """The reference: the family's own PyTorch ``encode``."""
        return type(self.adapter).encode(self.adapter, pixels)

    def encode(self, pixels) -> base.VisualTokens:
        """Pixels from ``preprocess`` -> ``VisualTokens`` (tokens ``[B, N, D]``)."""
        if self._failed or not isinstance(pixels, torch.Tensor) or torch.is_grad_enabled():
            return self.torch_encode(pixels)
        if self._compiled is None:
            with self._lock:
                if self._compiled is None and not self._failed:
                    self._prepare(pixels)
            if self._failed:
                return self.torch_encode(pixels)
        if tuple(pixels.shape[1:]) != self._shape or pixels.dim() != len(self._shape) + 1:
            return self.torch_encode(pixels)
        event = self.adapter._abort_event
        if event is not None and event.is_set():
            raise StepAborted("the model step was aborted")
        try:
            array = pixels.detach().to("cpu", torch.float32).contiguous().numpy()
            tokens = torch.from_numpy(self._compiled(array)[0].copy())
        except Exception as error:  # noqa: BLE001 - any runtime failure falls back
            self._fail(f"inference failed ({error})")
            return self.torch_encode(pixels)
        return base.VisualTokens(tokens.to(self.adapter.device, self.adapter.dtype))

    @property
    def needs_preparing(self) -> bool:
        """True while a runtime other than PyTorch has not been converted or loaded yet."""
        return not self._failed and self._compiled is None

    def warm_up(self) -> None:
        """Convert (or load from the disk cache) now, on a black frame, rather than on the first
        real frame: a loader can say what is happening (the first conversion of a real model
        takes about a minute). Frames of another size than the model's input are resized by
        ``preprocess`` for the fixed-size families this runtime serves."""
        if not self.needs_preparing:
            return
        import numpy as np

        with torch.inference_mode():
            self.encode(self.adapter.preprocess([np.zeros((64, 64, 3), dtype=np.uint8)]))

    # -- start-up ----------------------------------------------------------------------------
    def _fail(self, why: str) -> None:
        self._failed = True
        self._compiled = None
        log.warning("vision runtime %s: %s; using PyTorch float32", self.choice.name, why)

    def _prepare(self, pixels: torch.Tensor) -> None:
        started = time.perf_counter()
        try:
            self._compiled = self._compile(pixels)
        except StepAborted:
            raise  # aborted while converting: try again next time
        except Exception as error:  # noqa: BLE001 - one line, then PyTorch
            self._fail(f"could not be prepared ({type(error).__name__}: {error})"[:300])
            return
        self._shape = tuple(pixels.shape[1:])
        self.startup_s = time.perf_counter() - started
        log.info("vision runtime %s ready in %.1f s (%s%s)", self.choice.name, self.startup_s,
                 self.choice.reason, ", from cache" if self.from_cache else "")

    def _key(self, pixels: torch.Tensor, openvino_version: str) -> str:
        parts = [type(self.adapter).__name__, self.adapter.family, str(self.adapter.dtype),
                 str(tuple(pixels.shape[1:])), weight_fingerprint(self.adapter.model),
                 openvino_version, torch.__version__, GRAPH_VERSION]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]

    def _compile(self, pixels: torch.Tensor):
        from ..telemetry import install_openvino_hook

        install_openvino_hook()  # `import openvino` itself reports usage to Google Analytics
        import openvino as ov

        if self.adapter.dtype != torch.float32:
            raise RuntimeError(f"the model is {self.adapter.dtype}, not float32")
        root = self.cache_root or _default_cache_root()
        folder = root / self._key(pixels, ov.__version__)
        xml, meta = folder / "vision.xml", folder / "meta.json"
        example = pixels.detach().to(torch.float32)
        core = ov.Core()
        if xml.exists() and meta.exists():
            self.rel_error = json.loads(meta.read_text())["rel_error"]
            meta.touch()  # recently used: pruned last
            compiled = self._compile_on_cpu(core, core.read_model(xml))
            self.from_cache = True
        else:
            with torch.no_grad():
                reference = self.torch_encode(example)
            if reference.extras:
                raise RuntimeError(f"{self.adapter.family} returns extras, kept on PyTorch")
            shape = ov.PartialShape([-1, *example.shape[1:]])
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # tracer warnings: shapes fixed but the batch
                converted = ov.convert_model(
                    _EncodePath(self.adapter), example_input=example, input=[shape]
                )
            _keep_last_norm_output(converted)
            compiled = self._compile_on_cpu(core, converted)
            tokens = torch.from_numpy(compiled(example.numpy())[0].copy())
            self.rel_error = relative_error(tokens, reference.tokens)
            if not self.rel_error <= MAX_REL_ERROR:
                raise RuntimeError(f"relative error {self.rel_error:.2e} > {MAX_REL_ERROR}")
            folder.mkdir(parents=True, exist_ok=True)
            ov.save_model(converted, xml, compress_to_fp16=False)
            meta.write_text(json.dumps({"rel_error": self.rel_error,
                                        "precision": self.choice.precision,
                                        "family": self.adapter.family}))
            prune(root, KEEP_MODELS)
        return compiled

    def _compile_on_cpu(self, core, model):
        precision = "bf16" if self.choice.precision == "bf16" else "f32"
        config = {
            "INFERENCE_PRECISION_HINT": precision,
            "PERFORMANCE_HINT": "LATENCY",
            "INFERENCE_NUM_THREADS": max(1, torch.get_num_threads()),
        }
        return core.compile_model(model, "CPU", config)  # ~0.4 s from the saved SmolVLM2-256M


def _keep_last_norm_output(model) -> None:
    """Expose the last layer norm (OpenVINO ``MVN``) as an extra, unused output. With the bfloat16
    hint its output then stays float32 on the way to the connector: at the SmolVLM2-256M
    geometry the tokens' relative error drops from 1.07e-2 to 7.1e-3 at the same speed (see
    benchmarks/NOTES.md). Output 0 stays the visual tokens."""
    norms = [op for op in model.get_ordered_ops() if op.get_type_name() == "MVN"]
    if norms:
        model.add_outputs([norms[-1].output(0)])


def prune(root: Path, keep: int) -> list[Path]:
    """Delete all but the ``keep`` most recently used converted models under ``root``."""
    import shutil

    entries = sorted(
        (meta.stat().st_mtime, meta.parent) for meta in root.glob("*/meta.json")
    )
    removed = [folder for _, folder in entries[: max(0, len(entries) - keep)]]
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)
    return removed


def _default_cache_root() -> Path:
    from ..user_dirs import cache_dir

    return cache_dir() / "vision"


def attach(
    adapter: base.VisionLanguageModel,
    requested: str = "auto",
    *,
    flags: frozenset[str] | None = None,
    cache_root: Path | None = None,
) -> VisionRuntime:
    """Route ``adapter.encode`` through the runtime chosen for ``requested`` on this CPU
    (``flags`` default: ``cpu_flags()``); returns the runtime (``adapter.vision_runtime``).
    Asking again for the same runtime keeps the one attached (and its compiled model)."""
    attached = adapter.__dict__.get("vision_runtime")
    if attached is not None and attached.requested == requested and flags is None:
        return attached
    detach(adapter)
    choice = choose_runtime(
        requested,
        cpu_flags() if flags is None else flags,
        openvino=openvino_available(),
        device=adapter.device.type,
        vision_params=sum(p.numel() for layer in adapter.vision_layers()
                          for p in layer.parameters()),
    )
    if requested == "openvino" and choice.runtime != "openvino":
        log.warning("vision runtime openvino not used: %s; using PyTorch float32", choice.reason)
    runtime = VisionRuntime(adapter, choice, cache_root)
    runtime.requested = requested
    adapter.vision_runtime = runtime
    if choice.runtime == "openvino":
        adapter.encode = runtime.encode  # instance attribute shadows the family's method
    return runtime


def detach(adapter: base.VisionLanguageModel) -> None:
    """Back to the family's own PyTorch ``encode``."""
    adapter.__dict__.pop("encode", None)
    adapter.__dict__.pop("vision_runtime", None)
