"""Fallback paths, one test per trigger: where the demo model is found (an override, a whole
model among the parts, the assembled one, none), when the vision path leaves its faster runtime
for PyTorch (a failed preparation once and for good, an abort while preparing that is tried again,
gradients, pixels that are not a tensor, another shape, an abort flag), which hub failures are
retried and how each is put in words, and how an error is described (its own words, out of
memory by type through the chain, anything else)."""

from __future__ import annotations

import threading

import pytest
import torch

from videoscan_core import errors, paths
from videoscan_core.adapters import base, vision_runtime
from videoscan_core.errors import StepAborted, VideoScanError, describe, is_out_of_memory
from videoscan_core.hub import timeouts


# -- the demo model -----------------------------------------------------------------------------
@pytest.fixture
def demo_places(tmp_path, monkeypatch):
    parts, assembled = tmp_path / "parts", tmp_path / "assembled"
    parts.mkdir()
    assembled.mkdir()
    monkeypatch.setattr(paths, "demo_parts_folder", lambda: parts)
    monkeypatch.setattr(paths, "assembled_demo_folder", lambda: assembled)
    monkeypatch.delenv("VIDEOSCAN_DEMO_MODEL", raising=False)
    return parts, assembled


def test_the_demo_model_is_the_first_folder_with_a_whole_model(demo_places, monkeypatch, tmp_path):
    parts, assembled = demo_places
    assert paths.bundled_demo_model() is None  # parts alone (no config.json): nothing yet
    (assembled / "config.json").write_text("{}")
    assert paths.bundled_demo_model() == assembled  # set-up assembled it
    (parts / "config.json").write_text("{}")
    assert paths.bundled_demo_model() == parts  # an installed bundle: the whole model is there
    override = tmp_path / "mine"
    override.mkdir()
    monkeypatch.setenv("VIDEOSCAN_DEMO_MODEL", str(override))
    assert paths.bundled_demo_model() is None  # an override without a model: not the others
    (override / "config.json").write_text("{}")
    assert paths.bundled_demo_model() == override


# -- the vision runtime -------------------------------------------------------------------------
class Adapter:
    """What ``VisionRuntime`` uses of an adapter: the class's ``encode`` is the PyTorch path."""

    device, dtype, family = torch.device("cpu"), torch.float32, "fake"

    def __init__(self):
        self._abort_event = threading.Event()
        self.torch_calls = 0

    def encode(self, pixels):
        self.torch_calls += 1
        return base.VisualTokens(torch.zeros(1, 2, 3))


def runtime_with(compiled=None):
    adapter = Adapter()
    choice = vision_runtime.RuntimeChoice("openvino", "f32", "test")
    runtime = vision_runtime.VisionRuntime(adapter, choice)
    runtime.calls = 0

    def run(array):
        runtime.calls += 1
        return [torch.ones(1, 2, 3).numpy()]

    if compiled is not False:
        runtime._compiled, runtime._shape = compiled or run, (3, 4, 4)
    return runtime, adapter


def test_the_compiled_path_runs_for_tensor_pixels_of_its_shape_without_gradients():
    runtime, adapter = runtime_with()
    with torch.inference_mode():
        tokens = runtime.encode(torch.zeros(2, 3, 4, 4)).tokens
    assert runtime.calls == 1 and adapter.torch_calls == 0 and tokens.sum() == 6
    assert runtime.active == "openvino-f32"


@pytest.mark.parametrize("pixels", [torch.zeros(1, 3, 4, 5), torch.zeros(3, 4, 4), "not pixels"])
def test_other_shapes_and_non_tensors_take_pytorch_this_once(pixels):
    runtime, adapter = runtime_with()
    with torch.inference_mode():
        runtime.encode(pixels)
        assert runtime.calls == 0 and adapter.torch_calls == 1
        runtime.encode(torch.zeros(1, 3, 4, 4))  # the runtime is still in use
    assert runtime.calls == 1 and runtime.active == "openvino-f32"


def test_training_with_gradients_takes_pytorch():
    runtime, adapter = runtime_with()
    with torch.enable_grad():
        runtime.encode(torch.zeros(1, 3, 4, 4))
    assert runtime.calls == 0 and adapter.torch_calls == 1 and runtime.active == "openvino-f32"


def test_an_abort_flag_stops_before_the_compiled_run():
    runtime, adapter = runtime_with()
    adapter._abort_event.set()
    with pytest.raises(StepAborted), torch.inference_mode():
        runtime.encode(torch.zeros(1, 3, 4, 4))
    assert runtime.calls == 0


def test_a_failed_preparation_falls_back_once_and_for_good(monkeypatch):
    runtime, adapter = runtime_with(compiled=False)
    tried = []

    def compile_(pixels):
        tried.append(1)
        raise RuntimeError("relative error 5e-02 > 0.02")  # the accuracy check's refusal

    monkeypatch.setattr(runtime, "_compile", compile_)
    with torch.inference_mode():
        runtime.encode(torch.zeros(1, 3, 4, 4))
        runtime.encode(torch.zeros(1, 3, 4, 4))
    assert tried == [1] and adapter.torch_calls == 2 and runtime.active == "torch-f32"
    assert not runtime.needs_preparing


def test_an_abort_while_preparing_is_tried_again_next_time(monkeypatch):
    runtime, adapter = runtime_with(compiled=False)
    outcomes = [StepAborted("closing"), lambda array: [torch.ones(1, 2, 3).numpy()]]

    def compile_(pixels):
        outcome = outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    monkeypatch.setattr(runtime, "_compile", compile_)
    with torch.inference_mode():
        with pytest.raises(StepAborted):
            runtime.encode(torch.zeros(1, 3, 4, 4))
        assert runtime.needs_preparing and runtime.active == "openvino-f32"
        assert runtime.encode(torch.zeros(1, 3, 4, 4)).tokens.sum() == 6
    assert adapter.torch_calls == 0 and not runtime.needs_preparing


def test_pytorch_asked_for_never_prepares():
    adapter = Adapter()
    choice = vision_runtime.RuntimeChoice("torch", "f32", "")
    runtime = vision_runtime.VisionRuntime(adapter, choice)
    with torch.inference_mode():
        runtime.encode(torch.zeros(1, 3, 4, 4))
    assert adapter.torch_calls == 1 and runtime.active == "torch-f32"
    assert not runtime.needs_preparing


@pytest.mark.parametrize("params,runtime", [
    (vision_runtime.AUTO_MIN_VISION_PARAMS, "openvino"),
    (vision_runtime.AUTO_MIN_VISION_PARAMS - 1, "torch"),
])  # fmt: skip
def test_auto_keeps_towers_under_exactly_the_minimum_on_pytorch(params, runtime):
    choice = vision_runtime.choose_runtime("auto", frozenset(), openvino=True,
                                           vision_params=params)  # fmt: skip
    assert choice.runtime == runtime


# -- the hub ------------------------------------------------------------------------------------
class ConnectTimeout(Exception):
    pass


class ReadTimeout(Exception):
    pass


class TimeoutException(Exception):
    pass


class ConnectError(Exception):
    pass


class ReadTimeoutDerived(TimeoutException):  # known by a base class's name
    pass


def chained(outer: BaseException, inner: BaseException, how: str = "cause") -> BaseException:
    setattr(outer, f"__{how}__", inner)
    return outer


@pytest.mark.parametrize("error", [
    TimeoutException("read"), ReadTimeoutDerived("x"), ConnectError("refused"), TimeoutError(),
    chained(OSError("wrapped"), ConnectError("deep")),
    chained(ValueError("wrapped"), TimeoutException("t"), how="context"),
])  # fmt: skip
def test_network_errors_are_retried(error):
    calls = []

    def call():
        calls.append(1)
        if len(calls) == 1:
            raise error
        return "ok"

    assert timeouts.retrying(call, attempts=2, wait_s=0) == "ok" and len(calls) == 2


def test_other_errors_and_the_last_attempt_are_not_retried():
    calls = []

    def failing(error):
        def call():
            calls.append(1)
            raise error

        return call

    with pytest.raises(KeyError):
        timeouts.retrying(failing(KeyError("x")), attempts=3, wait_s=0)
    assert len(calls) == 1
    calls.clear()
    with pytest.raises(ConnectError):
        timeouts.retrying(failing(ConnectError("down")), attempts=3, wait_s=0)
    assert len(calls) == 3
    calls.clear()
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(ConnectError):  # cancelled while waiting to retry: no second try
        timeouts.retrying(failing(ConnectError("down")), attempts=3, wait_s=0, cancel=cancel)
    assert len(calls) == 1


def test_each_network_failure_is_put_in_its_own_words(monkeypatch):
    monkeypatch.setenv("VIDEOSCAN_HUB_CONNECT_TIMEOUT", "7")
    monkeypatch.setenv("VIDEOSCAN_HUB_READ_TIMEOUT", "11")
    assert timeouts.limits() == {"connect": 7.0, "read": 11.0, "write": 11.0, "pool": 11.0}
    said = timeouts.network_problem
    assert said(ConnectTimeout()) == "the Hugging Face hub did not accept a connection within 7 s"
    assert said(chained(RuntimeError("x"), TimeoutException())).startswith(
        "the Hugging Face hub did not answer within 11 s")  # fmt: skip
    assert said(ConnectError("[Errno 111] Connection refused\nmore")) == (
        "cannot reach the Hugging Face hub: [Errno 111] Connection refused (no network, or a "
        "proxy?)"
    )
    assert said(ConnectError()) == "cannot reach the Hugging Face hub (no network, or a proxy?)"
    assert said(KeyError("x")) == "the Hugging Face hub cannot be reached"
    loop = RuntimeError("a")
    loop.__cause__ = loop  # a cycle ends the search
    assert said(loop) == "the Hugging Face hub cannot be reached"


def test_limits_the_caller_set_are_kept_and_unset_ones_filled():
    class Request:
        extensions = {"timeout": {"connect": 2.0, "read": None, "write": 0.0}}

    timeouts._fill_timeouts(Request)
    assert Request.extensions["timeout"] == {
        "connect": 2.0, "read": timeouts.READ_S, "write": 0.0, "pool": timeouts.READ_S
    }  # fmt: skip


# -- describing an error ------------------------------------------------------------------------
def test_out_of_memory_is_known_by_type_and_the_cpu_allocators_words():
    assert is_out_of_memory(MemoryError()) and is_out_of_memory(errors.OutOfMemoryError("x"))
    assert is_out_of_memory(torch.OutOfMemoryError("CUDA out of memory"))
    allocator = "[enforce fail] DefaultCPUAllocator: can't allocate memory: you tried 9 GB"
    assert is_out_of_memory(RuntimeError(allocator))
    assert not is_out_of_memory(RuntimeError("shape mismatch"))
    assert not is_out_of_memory(ValueError("can't allocate memory"))  # words alone: not enough


def test_describe_uses_our_words_the_memory_advice_or_the_class_and_first_line():
    assert describe(VideoScanError("the file is missing\nmore"), "x") == "the file is missing"
    assert describe(errors.OutOfMemoryError("ours"), "smaller") == "ours"  # our words win
    assert describe(MemoryError(), "use a smaller memory") == "out of memory: use a smaller memory"
    assert describe(KeyError("k"), "x") == "KeyError: 'k'"
    assert describe(RuntimeError("first\nsecond"), "x") == "RuntimeError: first"
    assert describe(RuntimeError(), "x") == "RuntimeError"
    assert errors.caused_by(chained(ValueError(), MemoryError()), MemoryError)
    assert not errors.caused_by(ValueError(), MemoryError)
