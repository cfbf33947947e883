"""Train the bundled model (``videoscan-demo``) from scratch: SmolLM2-135M-Instruct, a new vision
tower and connector, LoRA on the language model, through the replay trainer.

    python -m videoscan_core.train.demo_trainer --work build/demo-model [--device cpu|cuda]
        [--base-gguf FILE] [--bf16] [--threads N] [--scale 1.0] [--max-steps N]

Contract: builds the SmolVLM2 model on the converted SmolLM2 (``smollm2_vlm``; ``--base-gguf`` or
``$VIDEOSCAN_BASE_GGUF`` names the GGUF, else set-up's), injects LoRA (``LORA``) and trains the
vision tower, connector and LoRA (nothing else), stage by stage (``STAGES``): a vision warm-up
without the language model (``demo_warmup.py``), then on ``DemoMixDataset`` the paper's stage 1
(carriers only) and stage 2 (frame tokens + carriers with the semantic-aware cut) with
``StreamReplayTrainingModel``, the engine's own layout. The general
questions' targets are the base model's answers, computed first (``WORK/distill.json``). Every
``--save-every`` steps the trained weights, the optimizer and the position are written to
``WORK/checkpoint`` (temporary folder, then rename): the same command resumes there. At the end
``WORK/parts`` holds the parts (``demo_model.save_parts``) and ``WORK/model`` the assembled
model; ``--finish-now`` writes both from the last checkpoint without training further (a run
cut short on a lent machine). ``--deadline-s S``: once S seconds have passed, the stage in
progress ends after its current step (its checkpoint then starts the next stage, so only the
trained weights are needed to go on, on another machine too) and the run stops with the parts
written. Nothing here touches the shipped model:
``scripts/install_demo_model.py`` checks, then installs. ``--scale`` multiplies every stage's
steps; ``--max-steps`` stops after that many steps in all (a timing run). Progress: one JSON
line per step in ``WORK/log.jsonl`` (wall and CPU seconds).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from ..adapters.lora import LoraSettings, inject_lora
from ..smollm2_vlm import VISION

LORA = LoraSettings(rank=16, alpha=32.0)
SEED = 0


@dataclass(frozen=True)
class Stage:
    stage: int  # 0: vision warm-up (demo_warmup.py); replay stage 1 carriers, 2 frames + carriers
    steps: int
    batch: int
    lr: float  # LoRA
    vision_lr: float  # vision tower and connector
    first_video: int  # training videos of this stage start here (stages see other videos)
    max_frames: int = 32  # the last frames of each video (a frame costs ~28 tokens in stage 2)


STAGES = (
    Stage(stage=0, steps=800, batch=32, lr=1e-3, vision_lr=1e-3, first_video=2_000_000),
    Stage(stage=1, steps=600, batch=2, lr=3e-4, vision_lr=3e-4, first_video=0),
    Stage(stage=2, steps=150, batch=2, lr=1e-4, vision_lr=1e-4, first_video=1_000_000,
          max_frames=16),
)
WARMUP = 30


def build(base: Path, device: str):
    from ..adapters.smolvlm import SmolVLMModel
    from ..demo_model import trained_parameters as trained
    from ..smollm2_vlm import build_smollm2_vlm

    model, tokenizer = build_smollm2_vlm(base, SEED, VISION)
    vlm = SmolVLMModel(model.to(device), tokenizer)
    inject_lora(vlm.decoder, LORA)
    vlm.lora_module = vlm.decoder
    vlm.model.requires_grad_(False)
    for parameter in trained(vlm).values():
        parameter.requires_grad_(True)
    return vlm


def lr_factor(step: int, steps: int) -> float:
    if step < WARMUP:
        return (step + 1) / WARMUP
    return 0.5 * (1 + math.cos(math.pi * (step - WARMUP) / max(1, steps - WARMUP)))


def optimizer_for(vlm, stage: Stage, probes=None) -> torch.optim.Optimizer:
    """Vision tower + connector at ``vision_lr``; LoRA (replay stages) or the warm-up's probes
    at ``lr``."""
    from ..demo_model import trained_parameters as trained

    vision, other = [], list(probes.parameters()) if probes is not None else []
    for name, parameter in trained(vlm).items():
        if ".lora_" not in name:
            vision.append(parameter)
        elif probes is None:
            other.append(parameter)
    return torch.optim.AdamW([{"params": vision, "lr": stage.vision_lr, "base": stage.vision_lr},
                              {"params": other, "lr": stage.lr, "base": stage.lr}],
                             weight_decay=0.0)


def to_device(batch: dict, device) -> dict:
    return {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}


def save_checkpoint(work: Path, vlm, optimizer, position: dict, probes=None) -> None:
    from safetensors.torch import save_file

    from ..demo_model import trained_parameters as trained

    scratch = work / ".checkpoint-partial"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    save_file({n: p.detach().cpu().contiguous() for n, p in trained(vlm).items()},
              str(scratch / "trained.safetensors"))
    torch.save(optimizer.state_dict(), scratch / "optimizer.pt")
    if probes is not None:
        torch.save(probes.state_dict(), scratch / "probes.pt")
    (scratch / "position.json").write_text(json.dumps(position))
    final, previous = work / "checkpoint", work / ".checkpoint-previous"
    shutil.rmtree(previous, ignore_errors=True)
    if final.exists():
        final.rename(previous)  # kept until the new one is in place: a kill here loses nothing
    scratch.rename(final)
    shutil.rmtree(previous, ignore_errors=True)


def load_checkpoint(work: Path, vlm) -> dict | None:
    from safetensors.torch import load_file

    from ..demo_model import trained_parameters as trained

    folder, previous = work / "checkpoint", work / ".checkpoint-previous"
    if not folder.exists() and (previous / "position.json").is_file():
        previous.rename(folder)  # a kill came between setting it aside and the new one's arrival
    if not (folder / "position.json").is_file():
        return None
    state = load_file(str(folder / "trained.safetensors"))
    params = trained(vlm)
    if set(state) != set(params):
        raise SystemExit(f"{folder} was written by another model setup; move it away")
    with torch.no_grad():
        for name, tensor in state.items():
            params[name].copy_(tensor)
    return json.loads((folder / "position.json").read_text())


def train(args) -> int:
    from ..smollm2 import ensure_base_lm
    from .data import Collator
    from .demo_data import DemoMixDataset, distill, general_questions
    from .demo_warmup import WarmupProbes, frame_batch, warmup_loss
    from .replay import StreamReplayTrainingModel

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(args.threads) if args.threads else None
    base = ensure_base_lm(work / "base-lm" if args.base_gguf else None,
                          Path(args.base_gguf) if args.base_gguf else None)
    vlm = build(base, args.device)
    distilled_file = work / "distill.json"
    if not distilled_file.is_file():
        questions = general_questions()[: args.general or None]
        say(f"distilling {len(questions)} general questions from the base model")
        with torch.no_grad():
            distilled_file.write_text(json.dumps(distill(vlm, questions), indent=1))
    distilled = json.loads(distilled_file.read_text())
    position = load_checkpoint(work, vlm) or {"stage": 0, "step": 0}
    collator = Collator(vlm.tokenizer, vlm.preprocessor, prompt=vlm.prompt,
                        time_instruction=False, raw_frames=True)
    budget = args.max_steps or None
    deadline = time.monotonic() + args.deadline_s if args.deadline_s else None
    if args.finish_now:  # parts and model from the last checkpoint, wherever training stands
        say(f"finishing at {position} of {len(STAGES)} stages (--finish-now)")
        return finish(work, vlm, base)
    for index, spec in enumerate(STAGES):
        if index < position["stage"]:
            continue
        steps = max(1, round(spec.steps * args.scale))
        probes = WarmupProbes(vlm.hidden_size).to(args.device) if spec.stage == 0 else None
        if probes is not None and position["step"]:
            probes.load_state_dict(torch.load(work / "checkpoint" / "probes.pt",
                                              map_location=args.device))
        wrapper = StreamReplayTrainingModel(vlm, spec.stage).train() if spec.stage else None
        optimizer = optimizer_for(vlm, spec, probes)
        if position["step"] and (work / "checkpoint" / "optimizer.pt").is_file():
            optimizer.load_state_dict(torch.load(work / "checkpoint" / "optimizer.pt",
                                                 map_location=args.device))
        data = DemoMixDataset(steps * spec.batch, distilled, start=spec.first_video,
                              max_frames=spec.max_frames)
        for step in range(position["step"], steps):
            started, cpu = time.perf_counter(), time.process_time()
            for group in optimizer.param_groups:
                group["lr"] = group["base"] * lr_factor(step, steps)
            with torch.autocast(device_type=torch.device(args.device).type,
                                dtype=torch.bfloat16, enabled=args.bf16):
                if probes is not None:
                    loss = warmup_loss(vlm, probes, *frame_batch(step, spec.batch,
                                                                 spec.first_video))
                else:
                    batch = to_device(collator([data[step * spec.batch + b]
                                                for b in range(spec.batch)]), args.device)
                    loss = wrapper(**batch)["loss"]
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for g in optimizer.param_groups
                                            for p in g["params"]], 1.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            record = {"stage": spec.stage, "step": step + 1, "of": steps,
                      "loss": round(loss.item(), 4),
                      "seconds": round(time.perf_counter() - started, 2),
                      "cpu_seconds": round(time.process_time() - cpu, 2)}
            with open(work / "log.jsonl", "a") as log:
                log.write(json.dumps(record) + "\n")
            say(json.dumps(record))
            out_of_time = deadline is not None and time.monotonic() > deadline
            done = step + 1 == steps or out_of_time
            next_position = {"stage": index + 1, "step": 0} if done else {"stage": index,
                                                                            "step": step + 1}
            if done or (step + 1) % args.save_every == 0:
                save_checkpoint(work, vlm, optimizer, next_position, probes)
            if out_of_time:
                say(f"--deadline-s reached: stage {spec.stage} ended after step {step + 1} of "
                    f"{steps}; the same command goes on with the next stage")
                return finish(work, vlm, base, assemble_model=False)
            if budget is not None:
                budget -= 1
                if budget == 0:
                    say("stopped after --max-steps (a timing run; the same command resumes)")
                    return 0
        position = {"stage": index + 1, "step": 0}
    return finish(work, vlm, base)


def finish(work: Path, vlm, base: Path, assemble_model: bool = True) -> int:
    from ..demo_model import assemble, save_parts

    parts = save_parts(vlm, work / "parts", LORA, VISION, SEED, torch.float16)
    if not assemble_model:
        say(f"trained parts in {parts}")
        return 0
    assemble(parts, base, work / "model")
    say(f"trained parts in {parts}, assembled model in {work / 'model'}")
    return 0


def say(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m videoscan_core.train.demo_trainer")
    parser.add_argument("--work", required=True, help="working folder (resumes from it)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--base-gguf", help="SmolLM2 GGUF (default: set-up's)")
    parser.add_argument("--bf16", action="store_true", help="bfloat16 autocast (GPU)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every stage's steps")
    parser.add_argument("--max-steps", type=int, default=0, help="stop after N steps in all")
    parser.add_argument("--save-every", type=int, default=25)
    parser.add_argument("--deadline-s", type=float, default=0,
                        help="end the stage in progress and stop after S seconds (0: never)")
    parser.add_argument("--general", type=int, default=0, help="distil only N questions (tests)")
    parser.add_argument("--finish-now", action="store_true",
                        help="write parts and model from the last checkpoint, train no further")
    return train(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
