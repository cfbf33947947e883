"""Sharded training (FSDP2, ``--fsdp``) under torchrun on CPU (gloo): two processes with 2 samples
each equal one unsharded process with the 4-sample batch (losses within 1e-5, trained weights
within 1e-4: float sums in another order), including a run interrupted after a checkpoint and
resumed from its shards; LoRA and the per-layer units of the masked forward too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from videoscan_core.errors import VideoScanError

SCRIPT = Path(__file__).with_name("ddp_train_script.py")
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(SCRIPT.parents[2])}


def run(model: Path, output: Path, batch: int, *flags: str, processes: int = 1):
    launcher = [sys.executable]
    if processes > 1:  # --standalone: torchrun picks a free local port itself
        launcher += ["-m", "torch.distributed.run", "--nproc_per_node", str(processes),
                     "--standalone"]  # fmt: skip
    command = [*launcher, str(SCRIPT), str(model), str(output), str(batch), *flags]
    return subprocess.run(command, env=ENV, capture_output=True, text=True, timeout=600)


def losses(log: list[dict]) -> list[float]:
    return [entry["loss"] for entry in log if "loss" in entry]


def assert_same_weights(one: Path, two: Path) -> None:
    a, b = load_file(str(one / "model.safetensors")), load_file(str(two / "model.safetensors"))
    assert a.keys() == b.keys()
    # atol 1e-4: the key biases' true gradient is zero (softmax ignores them), so Adam turns
    # float rounding there into steps of ~lr (as in test_ddp.py)
    assert all(torch.allclose(a[k], b[k], rtol=1e-4, atol=1e-4) for k in a)


def tiny(tmp_path: Path, family: str) -> Path:
    from videoscan_core.tiny.llava import make_tiny_model

    return make_tiny_model(tmp_path / family, family=family)


@pytest.mark.slow
@pytest.mark.parametrize("family", ["smolvlm2", "qwen3-vl"])
def test_sharded_run_interrupted_and_resumed_equals_one_process(tmp_path, family):
    """The replayed stream (SmolVLM2, Qwen3-VL with DeepStack) under FSDP2: checkpoint-2 holds
    each process's shards of weights and optimizer states; the resumed run's steps 3-4 and final
    weights are those of one uninterrupted unsharded process."""
    model = tiny(tmp_path, family)
    one, two = tmp_path / "one", tmp_path / "two"
    steps = ("--steps", "4", "--save-steps", "2")
    first = run(model, one, 4, *steps)
    assert first.returncode == 0, first.stderr[-3000:]
    crashed = run(model, two, 2, "--fsdp", *steps, "--crash-after-save", "2", processes=2)
    assert crashed.returncode != 0 and "interrupted after checkpoint 2" in crashed.stderr
    checkpoint = tmp_path / ".two.partial" / "checkpoints" / "checkpoint-2"
    shards = sorted(path.name for path in (checkpoint / "sharded").glob("*.distcp"))
    assert shards == ["__0_0.distcp", "__1_0.distcp"]  # one file of shards per process
    resumed = run(model, two, 2, "--fsdp", *steps, "--resume", processes=2)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    records = [json.loads((out / "training.json").read_text()) for out in (one, two)]
    assert records[1]["resumed"] and records[1]["steps_run"] == 2
    assert records[1]["processes"] == 2 and records[1]["fsdp_units"] == 1
    assert len(losses(records[0]["log"])) == 4
    assert losses(records[0]["log"]) == pytest.approx(losses(records[1]["log"]), rel=1e-5)
    assert_same_weights(one, two)
    from videoscan_core.adapters import load_model

    assert load_model(two).tokens_per_frame > 0  # the written model loads


@pytest.mark.slow
@pytest.mark.parametrize(
    "family, flags", [("llava-onevision", ()), ("smolvlm2", ("--lora", "4"))], ids=["llava", "lora"]
)
def test_sharded_two_processes_equal_one(tmp_path, family, flags):
    """LLaVA's masked forward shards every decoder layer as its own unit; LoRA (language and
    vision) starts from the seed in every process, so its runs agree too."""
    model = tmp_path / "llava" if family == "llava-onevision" else tiny(tmp_path, family)
    if family == "llava-onevision":
        from videoscan_core.tiny.llava import make_tiny_model

        make_tiny_model(model)
    one, two = tmp_path / "one", tmp_path / "two"
    first = run(model, one, 4, *flags)
    assert first.returncode == 0, first.stderr[-3000:]
    second = run(model, two, 2, "--fsdp", *flags, processes=2)
    assert second.returncode == 0, second.stderr[-3000:]
    records = [json.loads((out / "training.json").read_text()) for out in (one, two)]
    assert records[1]["fsdp_units"] == (3 if family == "llava-onevision" else 1)
    assert len(losses(records[0]["log"])) == 3
    assert losses(records[0]["log"]) == pytest.approx(losses(records[1]["log"]), rel=1e-5)
    assert_same_weights(one, two)


def test_fsdp_outside_torchrun_is_refused_before_the_model_loads(tmp_path, monkeypatch):
    from videoscan_core.train.runner import TrainOptions, train

    monkeypatch.delenv("LOCAL_RANK", raising=False)
    options = TrainOptions(stage=2, model=str(tmp_path / "absent"), output=str(tmp_path / "out"),
                           fsdp=True)  # fmt: skip
    with pytest.raises(VideoScanError, match="torchrun"):
        train(options)
