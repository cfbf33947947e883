"""The language model's answer steps on OpenVINO (CPU), over a copy of the engine's cache.

Contract: ``OpenVinoRuntime(adapter)`` converts one step of the adapter's decoder and head
(``openvino.convert_model`` of ``_Step``; inputs: embeddings ``[1, q, D]``, the decoder's position
ids, and every layer's past keys and values ``[1, H_kv, L, hd]``, q and L dynamic; outputs: the
last token's logits ``[1, V]``, the q new keys and values per layer, and the last token's
head-averaged attention row per layer ``[layers, L + q]`` for the evidence probe, computed as
``CarrierAttentionProbe`` does), checks it against PyTorch on an example (relative L2 error of the
logits <= ``MAX_REL_ERROR``, else it raises and the caller answers with PyTorch), saves it under
``cache_dir()/answer/<key>`` (key: family, weight fingerprint, versions; the ``KEEP_MODELS`` most
recent kept) and compiles it for the CPU in ``precision`` ("f32", or "bf16": OpenVINO's bfloat16
precision hint, for CPUs with AVX-512 BF16 or AMX). ``runtime.session(cache, extra)`` copies
the cache into numpy buffers and ``session.logits(inputs, positions)`` runs one step, appending
the new entries to its copy.
The engine's abort flag is honoured before each (single-call) step.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from ..errors import StepAborted

MAX_REL_ERROR = 2e-2  # logits, bfloat16 hint: ~4e-3 measured on the tiny geometry
KEEP_MODELS = 2
GRAPH_VERSION = "1"


class _Cache:
    """A transformers cache holding given past keys/values (traced: no empty-tensor start)."""

    def __new__(cls, past: tuple[torch.Tensor, ...]):
        from transformers.cache_utils import Cache, DynamicLayer

        class Layer(DynamicLayer):
            def __init__(self, keys: torch.Tensor, values: torch.Tensor) -> None:
                super().__init__()
                self.keys, self.values, self.is_initialized = keys, values, True
                self.dtype, self.device = keys.dtype, keys.device

        class PastCache(Cache):
            def layer_kv(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
                return self.layers[index].keys, self.layers[index].values

        pairs = range(len(past) // 2)
        return PastCache(layers=[Layer(past[2 * i], past[2 * i + 1]) for i in pairs])


class _Step(torch.nn.Module):
    def __init__(self, adapter) -> None:
        super().__init__()
        self.adapter = adapter
        self.decoder, self.head = adapter.decoder, adapter.lm_head

    def forward(self, inputs, position_ids, *past):
        from ..stream.carrier_attention import CarrierAttentionProbe

        cache = _Cache(past)
        length = past[0].shape[-2]
        with CarrierAttentionProbe(self.adapter.attention_modules(), cache) as probe:
            hidden = self.decoder(
                inputs_embeds=inputs, position_ids=position_ids, past_key_values=cache,
                use_cache=True,
            ).last_hidden_state  # [1, q, D]
        outputs = [self.head(hidden[:, -1])]  # [1, V]
        for layer in cache.layers:
            outputs += [layer.keys[:, :, length:], layer.values[:, :, length:]]
        outputs.append(torch.cat(probe.rows, dim=0))  # [layers, L + q]
        return tuple(outputs)


class OpenVinoSession:
    attention_modules: list = []  # the rows come out of the graph
    cache = None

    def __init__(self, runtime: OpenVinoRuntime, cache, extra: int) -> None:
        self.runtime = runtime
        self.length = cache.length
        self.rows: list[torch.Tensor] | None = None
        shape = (1, runtime.kv_heads, self.length + max(1, extra), runtime.head_dim)
        self.buffers = []
        for index in range(len(cache.layers)):
            pair = [np.empty(shape, np.float32), np.empty(shape, np.float32)]
            if self.length:
                for buffer, tensor in zip(pair, cache.layer_kv(index), strict=True):
                    buffer[:, :, : self.length] = tensor.detach().float().cpu().numpy()
            self.buffers.append(pair)

    def logits(self, inputs: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        runtime, length = self.runtime, self.length
        event = runtime.adapter._abort_event
        if event is not None and event.is_set():
            raise StepAborted("the model step was aborted")
        ids = runtime.adapter.decoder_position_ids(positions).cpu().numpy()
        feed = [inputs.detach().float().cpu().numpy(), ids]
        for keys, values in self.buffers:
            feed += [keys[:, :, :length], values[:, :, :length]]
        out = runtime.request.infer(feed)
        q = inputs.shape[1]
        if length + q > self.buffers[0][0].shape[2]:
            grow = max(length + q, 2 * self.buffers[0][0].shape[2])
            self.buffers = [[np.concatenate([b[:, :, :length], np.empty(
                (*b.shape[:2], grow - length, b.shape[3]), np.float32)], axis=2) for b in pair]
                for pair in self.buffers]  # fmt: skip
        for index, (keys, values) in enumerate(self.buffers):
            keys[:, :, length : length + q] = out[1 + 2 * index]
            values[:, :, length : length + q] = out[2 + 2 * index]
        self.length = length + q
        rows = torch.from_numpy(np.array(out[len(self.buffers) * 2 + 1]))  # [layers, L + q]
        self.rows = [rows[i : i + 1] for i in range(rows.shape[0])]
        return torch.from_numpy(np.array(out[0][0]))  # [V]


class OpenVinoRuntime:
    def __init__(self, adapter, precision: str = "f32", cache_root: Path | None = None) -> None:
        from ..telemetry import install_openvino_hook

        install_openvino_hook()  # `import openvino` itself reports usage to Google Analytics
        import openvino as ov

        self.adapter = adapter
        self.kv_heads, self.head_dim = adapter.num_kv_heads, adapter.head_dim
        self.precision = precision
        self.name = f"openvino-{self.precision}"
        started = time.perf_counter()
        root = cache_root or _default_cache_root()
        folder = root / self._key(ov.__version__)
        xml, meta = folder / "answer.xml", folder / "meta.json"
        core = ov.Core()
        if xml.exists() and meta.exists():
            meta.touch()  # recently used: pruned last
            self.rel_error = json.loads(meta.read_text())["rel_error"]
            compiled = self._compile(core, core.read_model(xml))
        else:
            example = self._example()
            with torch.no_grad():
                reference = _Step(adapter)(*example)
            converted = self._convert(ov, example)
            compiled = self._compile(core, converted)
            out = compiled([tensor.numpy() for tensor in example])
            error = torch.from_numpy(np.array(out[0])) - reference[0]
            self.rel_error = float(error.norm() / reference[0].norm().clamp_min(1e-12))
            if not self.rel_error <= MAX_REL_ERROR:
                raise RuntimeError(f"logits' relative error {self.rel_error:.2e} > {MAX_REL_ERROR}")
            folder.mkdir(parents=True, exist_ok=True)
            ov.save_model(converted, xml, compress_to_fp16=False)
            meta.write_text(json.dumps({"rel_error": self.rel_error, "family": adapter.family}))
            from .vision_runtime import prune

            prune(root, KEEP_MODELS)
        self.request = compiled.create_infer_request()
        self.startup_s = time.perf_counter() - started

    def session(self, cache, extra: int) -> OpenVinoSession:
        return OpenVinoSession(self, cache, extra)

    def _example(self) -> tuple[torch.Tensor, ...]:
        adapter, past, q = self.adapter, 7, 5
        generator = torch.Generator().manual_seed(0)
        inputs = torch.randn(1, q, adapter.hidden_size, generator=generator)
        ids = adapter.decoder_position_ids(adapter.text_positions(past, q))
        shape = (1, self.kv_heads, past, self.head_dim)
        kv = [torch.randn(shape, generator=generator) for _ in range(2 * adapter.num_layers)]
        return (inputs, ids, *kv)

    def _convert(self, ov, example):
        ids = [*example[1].shape[:-1], -1]  # [1, q] or M-RoPE's [3, 1, q]
        shapes = [ov.PartialShape([1, -1, self.adapter.hidden_size]), ov.PartialShape(ids)]
        shapes += [ov.PartialShape([1, self.kv_heads, -1, self.head_dim])] * (len(example) - 2)
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings
            return ov.convert_model(_Step(self.adapter), example_input=example, input=shapes)

    def _compile(self, core, model):
        config = {
            "INFERENCE_PRECISION_HINT": self.precision,
            "PERFORMANCE_HINT": "LATENCY",
            "INFERENCE_NUM_THREADS": max(1, torch.get_num_threads()),
        }
        return core.compile_model(model, "CPU", config)

    def _key(self, openvino_version: str) -> str:
        import hashlib

        from .vision_runtime import weight_fingerprint

        parts = [type(self.adapter).__name__, self.adapter.family, str(self.adapter.dtype),
                 weight_fingerprint(self.adapter.decoder), weight_fingerprint(self.adapter.lm_head),
                 openvino_version, torch.__version__, GRAPH_VERSION, self.precision]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


def _default_cache_root() -> Path:
    from ..user_dirs import cache_dir

    return cache_dir() / "answer"
