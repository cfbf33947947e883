"""The vision runtime: CPU flags -> runtime choice, OpenVINO tokens against PyTorch float32 on the
tiny SmolVLM2 and LLaVA-OneVision models, the on-disk cache, and the fallback to PyTorch."""

from __future__ import annotations

import importlib.util
import logging

import pytest
import torch

from videoscan_core.adapters import vision_runtime
from videoscan_core.adapters.vision_runtime import choose_runtime, cpu_flags
from videoscan_core.config import EngineConfig

HAS_OPENVINO = importlib.util.find_spec("openvino") is not None
needs_openvino = pytest.mark.skipif(not HAS_OPENVINO, reason="openvino is not installed")
SAPPHIRE = frozenset({"avx2", "avx512f", "avx512_bf16", "amx_bf16"})
ZEN4 = frozenset({"avx2", "avx512f", "avx512_bf16", "avx_vnni"})
SKYLAKE = frozenset({"avx2", "avx512f", "avx512_vnni"})
# relative L2 error of the visual tokens against PyTorch float32 on these inputs, measured here
# (AVX-512 BF16 CPU): bfloat16 hint 5.4e-3 (tiny SmolVLM2) and 8.9e-3 (tiny LLaVA-OneVision);
# float32 3e-7 / 4e-7 (the same arithmetic up to reordering). The bar is the 1e-2.
BF16_TOLERANCE = 1e-2
F32_TOLERANCE = 1e-4


@pytest.mark.parametrize(
    ("requested", "flags", "openvino", "device", "expected"),
    [
        ("auto", SAPPHIRE, True, "cpu", ("openvino", "bf16")),
        ("auto", ZEN4, True, "cpu", ("openvino", "bf16")),
        ("auto", SKYLAKE, True, "cpu", ("openvino", "f32")),
        ("openvino", frozenset(), True, "cpu", ("openvino", "f32")),
        ("auto", ZEN4, False, "cpu", ("torch", "f32")),
        ("openvino", ZEN4, False, "cpu", ("torch", "f32")),
        ("auto", ZEN4, True, "cuda", ("torch", "f32")),
        ("torch", ZEN4, True, "cpu", ("torch", "f32")),
    ],
)
def test_runtime_and_precision_follow_the_cpu(requested, flags, openvino, device, expected):
    choice = choose_runtime(requested, flags, openvino=openvino, device=device)
    assert (choice.runtime, choice.precision) == expected
    assert choice.reason


def test_auto_keeps_a_small_vision_tower_on_pytorch_unless_openvino_is_asked_for():
    small, big = 100_000, 86_000_000
    assert choose_runtime("auto", ZEN4, openvino=True, vision_params=small).runtime == "torch"
    assert choose_runtime("auto", ZEN4, openvino=True, vision_params=big).name == "openvino-bf16"
    assert choose_runtime("openvino", ZEN4, openvino=True, vision_params=small).runtime == (
        "openvino"
    )


def test_an_unknown_runtime_is_refused_by_name():
    with pytest.raises(ValueError, match="auto, torch, openvino"):
        choose_runtime("onnx", ZEN4, openvino=True)
    with pytest.raises(ValueError, match="vision runtime"):
        EngineConfig(vision_runtime="onnx")


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512_bf16\nbugs\t\t: none\n")
    assert cpu_flags(str(info)) == {"fpu", "avx2", "avx512_bf16"}
    assert cpu_flags(str(tmp_path / "missing")) == frozenset()


@pytest.fixture(scope="module")
def smol():
    from videoscan_core.adapters.smolvlm import SmolVLMModel
    from videoscan_core.tiny.smolvlm import build_tiny_smolvlm

    model, tokenizer = build_tiny_smolvlm(seed=0, attn="sdpa")
    return SmolVLMModel(model, tokenizer)


@pytest.fixture(scope="module")
def llava():
    from videoscan_core.adapters.llava_onevision import LlavaOnevisionModel
    from videoscan_core.tiny.llava import build_tiny_model

    model, tokenizer = build_tiny_model(seed=0, attn="sdpa")
    return LlavaOnevisionModel(model, tokenizer)


def _pixels(adapter, random_frames, count=2):
    return adapter.preprocess(random_frames(count, seed=3))


def test_a_failing_runtime_falls_back_to_pytorch_with_one_line(
    smol, random_frames, tmp_path, monkeypatch, caplog
):
    pixels = _pixels(smol, random_frames)
    with torch.inference_mode():
        reference = smol.encode(pixels).tokens

    def broken(self, pixels):
        raise RuntimeError("no CPU plugin")

    monkeypatch.setattr(vision_runtime.VisionRuntime, "_compile", broken)
    monkeypatch.setattr(vision_runtime, "openvino_available", lambda: True)
    runtime = vision_runtime.attach(smol, "openvino", flags=ZEN4, cache_root=tmp_path)
    try:
        with caplog.at_level(logging.WARNING, logger="videoscan"), torch.inference_mode():
            first = smol.encode(pixels).tokens
            second = smol.encode(pixels).tokens
        assert runtime.active == "torch-f32"
        assert torch.equal(first, reference) and torch.equal(second, reference)
        lines = [r.getMessage() for r in caplog.records if "vision runtime" in r.getMessage()]
        assert len(lines) == 1 and "no CPU plugin" in lines[0] and "PyTorch" in lines[0]
    finally:
        vision_runtime.detach(smol)
    assert "encode" not in vars(smol)


def test_an_inference_error_falls_back_for_good(smol, random_frames, tmp_path, caplog):
    pixels = _pixels(smol, random_frames)
    with torch.inference_mode():
        reference = smol.encode(pixels).tokens
    runtime = vision_runtime.VisionRuntime(
        smol, vision_runtime.RuntimeChoice("openvino", "bf16", "test"), tmp_path
    )

    def explode(array):
        raise RuntimeError("bad blob")

    runtime._compiled, runtime._shape = explode, tuple(pixels.shape[1:])
    with caplog.at_level(logging.WARNING, logger="videoscan"), torch.inference_mode():
        assert torch.equal(runtime.encode(pixels).tokens, reference)
    assert runtime.active == "torch-f32" and "bad blob" in caplog.text


@needs_openvino
@pytest.mark.slow
@pytest.mark.parametrize("family", ["smol", "llava"])
def test_openvino_tokens_match_pytorch_float32(family, request, random_frames, tmp_path):
    adapter = request.getfixturevalue(family)
    pixels = _pixels(adapter, random_frames)
    with torch.inference_mode():
        reference = adapter.encode(pixels).tokens  # [2, N, D]
    for flags, tolerance in ((ZEN4, BF16_TOLERANCE), (SKYLAKE, F32_TOLERANCE)):
        runtime = vision_runtime.attach(adapter, "openvino", flags=flags, cache_root=tmp_path)
        try:
            with torch.inference_mode():
                tokens = adapter.encode(pixels).tokens
                single = adapter.encode(pixels[1:]).tokens  # the batch dimension is dynamic
            assert runtime.active == runtime.choice.name != "torch-f32"
            error = vision_runtime.relative_error(tokens, reference)
            assert tokens.shape == reference.shape and 0 < error <= tolerance, error
            assert vision_runtime.relative_error(single, reference[1:]) <= tolerance
            with torch.enable_grad():  # training keeps the differentiable PyTorch path
                assert adapter.encode(pixels).tokens.requires_grad
        finally:
            vision_runtime.detach(adapter)


@needs_openvino
@pytest.mark.slow
def test_the_converted_model_is_cached_and_the_engine_setting_attaches_it(
    smol, random_frames, tmp_path, monkeypatch
):
    from videoscan_core.stream.engine import StreamingEngine

    monkeypatch.setattr(vision_runtime, "_default_cache_root", lambda: tmp_path)
    monkeypatch.setattr(vision_runtime, "cpu_flags", lambda: ZEN4)
    frames = random_frames(1, seed=5)
    engine = StreamingEngine(smol, EngineConfig(vision_runtime="openvino"))
    try:
        engine.add_frame(frames[0], 0.0)
        first = smol.vision_runtime
        assert first.active == "openvino-bf16" and not first.from_cache
        assert StreamingEngine(smol, EngineConfig(vision_runtime="openvino")) and (
            smol.vision_runtime is first  # the same request keeps the compiled model
        )
        vision_runtime.detach(smol)
        again = vision_runtime.attach(smol, "openvino")
        with torch.inference_mode():
            smol.encode(smol.preprocess(frames))
        assert again.from_cache and again.rel_error == first.rel_error
    finally:
        vision_runtime.detach(smol)


@pytest.mark.slow
def test_warm_up_prepares_the_runtime_before_the_first_frame(smol, tmp_path, monkeypatch):
    monkeypatch.setattr(vision_runtime, "_default_cache_root", lambda: tmp_path)
    monkeypatch.setattr(vision_runtime, "cpu_flags", lambda: ZEN4)
    runtime = vision_runtime.attach(smol, "openvino")
    try:
        assert runtime.needs_preparing
        runtime.warm_up()
        assert not runtime.needs_preparing and runtime.active == "openvino-bf16"
        assert runtime.startup_s is not None and list(tmp_path.iterdir())  # converted, cached
    finally:
        vision_runtime.detach(smol)


def test_warm_up_does_nothing_on_pytorch(smol):
    runtime = vision_runtime.attach(smol, "torch")
    try:
        assert not runtime.needs_preparing
        runtime.warm_up()  # nothing to convert
        assert runtime.active == "torch-f32" and runtime.startup_s is None
    finally:
        vision_runtime.detach(smol)


def test_only_the_most_recently_used_converted_models_are_kept(tmp_path):
    import os

    for age in range(5):
        folder = tmp_path / f"model{age}"
        folder.mkdir()
        (folder / "meta.json").write_text("{}")
        os.utime(folder / "meta.json", (1000 - age, 1000 - age))  # model0 is the newest
    removed = vision_runtime.prune(tmp_path, keep=3)
    assert sorted(p.name for p in removed) == ["model3", "model4"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model0", "model1", "model2"]


def test_run_and_eval_default_to_auto():
    from videoscan_core.cli.main import build_parser

    parser = build_parser()
    assert parser.parse_args(["eval", "synthetic", "--model", "m"]).vision_runtime == "auto"
    assert parser.parse_args(["run", "v.mp4", "--model", "m"]).vision_runtime == "auto"


@pytest.mark.slow
def test_eval_passes_its_vision_runtime_flag_to_the_model(tiny_model_dir, monkeypatch, capsys):
    from videoscan_core.cli.main import main

    seen = []
    real = vision_runtime.attach

    def spy(adapter, requested="auto", **options):
        seen.append(requested)
        return real(adapter, requested, **options)

    monkeypatch.setattr(vision_runtime, "attach", spy)
    args = ["eval", "synthetic", "--model", str(tiny_model_dir), "--videos", "1", "--variants",
            "m4", "--json"]
    assert main([*args, "--vision-runtime", "torch"]) == 0
    assert main(args) == 0
    assert seen == ["torch", "auto"]  # auto keeps the tiny tower on PyTorch
    capsys.readouterr()
