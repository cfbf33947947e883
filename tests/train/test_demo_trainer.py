"""The bundled model's trainer resumes where it stopped: a run interrupted after one step and run
again ends with exactly the weights of an uninterrupted run (the loop, data order, learning-rate
schedule and optimizer state all restored). A tiny SmolVLM2 stands in for SmolLM2 here (the
real model's path is the same code; scripts/train_demo_model.sh runs it)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import torch
from safetensors.torch import load_file

from videoscan_core.train import demo_trainer
from videoscan_core.train.demo_trainer import Stage

pytestmark = pytest.mark.slow  # 5 training steps of a tiny model, twice


def _tiny(base, device):
    from videoscan_core.adapters.lora import inject_lora
    from videoscan_core.adapters.smolvlm import SmolVLMModel
    from videoscan_core.demo_model import trained_parameters
    from videoscan_core.tiny.smolvlm import build_tiny_smolvlm

    model, tokenizer = build_tiny_smolvlm(seed=0)
    vlm = SmolVLMModel(model, tokenizer)
    inject_lora(vlm.decoder, demo_trainer.LORA)
    vlm.lora_module = vlm.decoder
    vlm.model.requires_grad_(False)
    for parameter in trained_parameters(vlm).values():
        parameter.requires_grad_(True)
    return vlm


@pytest.fixture
def tiny_trainer(monkeypatch, tmp_path):
    monkeypatch.setattr(demo_trainer, "build", _tiny)
    monkeypatch.setattr("videoscan_core.smollm2.ensure_base_lm", lambda home, gguf: tmp_path)
    monkeypatch.setattr(demo_trainer, "STAGES", (
        Stage(stage=0, steps=2, batch=3, lr=1e-3, vision_lr=1e-3, first_video=900),
        Stage(stage=1, steps=2, batch=1, lr=1e-3, vision_lr=1e-3, first_video=0),
        Stage(stage=2, steps=2, batch=1, lr=1e-3, vision_lr=1e-3, first_video=500),
    ))

    def finish(work, vlm, base, assemble_model=True):
        from videoscan_core.demo_model import save_parts
        from videoscan_core.smollm2_vlm import VISION

        save_parts(vlm, work / "parts", demo_trainer.LORA, VISION, 0)
        return 0

    monkeypatch.setattr(demo_trainer, "finish", finish)

    def run(work, max_steps=0, deadline_s=0.0, save_every=1):
        args = SimpleNamespace(work=str(work), device="cpu", base_gguf=None, bf16=False,
                               threads=0, scale=1.0, max_steps=max_steps, save_every=save_every,
                               general=2, finish_now=False, deadline_s=deadline_s)
        return demo_trainer.train(args)

    return run


def test_an_interrupted_run_resumes_to_the_same_weights(tiny_trainer, tmp_path):
    assert tiny_trainer(tmp_path / "whole") == 0
    assert tiny_trainer(tmp_path / "cut", max_steps=1) == 0  # stops inside the warm-up
    position = json.loads((tmp_path / "cut" / "checkpoint" / "position.json").read_text())
    assert position == {"stage": 0, "step": 1}
    assert tiny_trainer(tmp_path / "cut", max_steps=4) == 0  # stops inside stage 2
    position = json.loads((tmp_path / "cut" / "checkpoint" / "position.json").read_text())
    assert position == {"stage": 2, "step": 1}
    assert not (tmp_path / "cut" / "parts").exists()
    # killed while saving, between setting the old checkpoint aside and the new one's arrival:
    (tmp_path / "cut" / "checkpoint").rename(tmp_path / "cut" / ".checkpoint-previous")
    assert tiny_trainer(tmp_path / "cut") == 0
    steps = [(r["stage"], r["step"]) for r in map(json.loads, (tmp_path / "cut" / "log.jsonl")
                                                  .read_text().splitlines())]
    assert steps == [(0, 1), (0, 2), (1, 1), (1, 2), (2, 1), (2, 2)]  # nothing run twice
    whole = load_file(str(tmp_path / "whole" / "parts" / "videoscan-demo-parts.safetensors"))
    cut = load_file(str(tmp_path / "cut" / "parts" / "videoscan-demo-parts.safetensors"))
    assert set(whole) == set(cut) and any(".lora_" not in n for n in whole)
    for name in whole:
        torch.testing.assert_close(cut[name], whole[name], atol=0, rtol=0)
    assert json.loads((tmp_path / "cut" / "distill.json").read_text()) is not None


def test_a_deadline_ends_the_stage_in_progress_so_the_next_run_starts_the_next_stage(
    tiny_trainer, tmp_path
):
    """What a lent GPU machine runs: the checkpoint it leaves needs no optimizer state."""
    work = tmp_path / "lent"
    assert tiny_trainer(work, deadline_s=1e-9, save_every=100) == 0  # past it after one step
    position = json.loads((work / "checkpoint" / "position.json").read_text())
    assert position == {"stage": 1, "step": 0}
    assert (work / "parts" / "videoscan-demo-parts.safetensors").is_file()
    (work / "checkpoint" / "optimizer.pt").unlink()  # not carried back: not needed
    assert tiny_trainer(work) == 0
    steps = [(r["stage"], r["step"]) for r in map(json.loads, (work / "log.jsonl")
                                                  .read_text().splitlines())]
    assert steps == [(0, 1), (1, 1), (1, 2), (2, 1), (2, 2)]
