"""Running one training stage with transformers' Trainer (DDP under torchrun needs no code here).

Contract: ``train(TrainOptions) -> Path`` first checks, before any model loads (``preflight.py``):
the output folder (not the model folder, empty unless ``overwrite`` or ``resume``), the model's
family against the data and the checkpoint, and, for a JSON file, every record and every video. It
then loads the model through the same adapter as inference (``adapters.load_model``:
LLaVA-NeXT-layout LLaVA-Video with its per-row newlines, 210 tokens per 384 px frame;
LLaVA-OneVision; SmolVLM2; Qwen2.5-VL; Qwen3-VL), sets what is trainable (language model fully or
with LoRA of rank r, alpha ``lora_alpha`` (2r when None); projector always; vision tower full,
frozen or LoRA with its own learning rate), builds the data (synthetic benchmark or
LLaVA-Video-178K-style JSON), trains with the stage's sequence layout (``CarrierTrainingModel``, one
masked sequence, where the adapter says ``masked_training``; otherwise
``StreamReplayTrainingModel``, the stream replayed through the adapter), and writes into a hidden
``.<output>.partial`` folder (checkpoints every ``save_steps`` under ``checkpoints/``) renamed to
``output`` at the end: the final model in transformers format (LoRA merged), tokenizer, preprocessor
config, ``videoscan.json`` (family, newline mode, time instruction) and ``training.json``. A failed
run removes the partial folder unless it holds a checkpoint (``resume=True`` continues from it).
LoRA weights start from ``seed`` in every process. ``fsdp``: the wrapper is sharded with FSDP2
(``sharding.py``; refused outside torchrun), checkpoints hold shards (``trainer.py``) and process 0
writes the final model from the gathered weights. Presets: ``recipes.py`` (``official`` / ``demo``).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from ..config import POSITION_MODES
from ..errors import VideoScanError
from .torchrun import leave_process_group

log = logging.getLogger("videoscan")
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
# the engine's modes, and "official" (0..L-1 over the whole sequence, training only)
TRAIN_POSITION_MODES = (*POSITION_MODES, "official")


@dataclass
class TrainOptions:
    stage: int
    model: str  # folder of the model to start from
    output: str
    # "synthetic" (multiple choice), "synthetic-words" (multiple choice + word answers, yes/no,
    # follow-ups, refusals; see eval/synthetic_words.py) or a LLaVA-Video-178K-style JSON file
    data: str = "synthetic"
    video_folder: str | None = None
    videos: int = 2000  # synthetic training videos
    easy_fraction: float = 0.0  # synthetic: share of short two-shape videos (a curriculum)
    max_steps: int = 500  # <= 0: use epochs
    epochs: float = 1.0
    batch_size: int = 8
    grad_accum: int = 1
    learning_rate: float = 1e-3
    warmup_steps: int = 20
    weight_decay: float = 0.0
    position_mode: str = "compact"  # stage 2: compact/monotonic/rerotate, or official (0..L-1)
    lora_rank: int = 0  # 0: full fine-tuning of the language model
    lora_alpha: float | None = None  # None: 2 * lora_rank
    lora_dropout: float = 0.0
    vision: str = "full"  # "full", "frozen" or "lora"
    vision_lora_targets: tuple[str, ...] | None = None  # None: the adapter's
    vision_learning_rate: float | None = None  # None: learning_rate
    warmup_ratio: float = 0.0  # > 0 replaces warmup_steps
    frames_per_clip: int = 0  # JSON data: > 0 samples that many frames uniformly per clip
    overwrite: bool = False  # replace a non-empty output folder
    fsdp: bool = False  # shard weights, gradients and optimizer states with FSDP2 (torchrun)
    save_steps: int = 200
    logging_steps: int = 10
    seed: int = 0
    resume: bool = False
    show_progress: bool = True


def _set_trainable(vlm, options: TrainOptions) -> list:
    """Freeze / LoRA-wrap parts of the model (the adapter names them: ``decoder``,
    ``training_parts``); returns the LoRA-injected modules' owners."""
    language = vlm.decoder
    vision, projectors = vlm.training_parts()
    injected = []
    torch.manual_seed(options.seed)  # LoRA's initial weights: the same in every process
    if options.lora_rank:
        from peft import LoraConfig, inject_adapter_in_model

        config = LoraConfig(
            r=options.lora_rank,
            lora_alpha=options.lora_alpha or 2 * options.lora_rank,
            target_modules=LORA_TARGETS,
            lora_dropout=options.lora_dropout,
        )
        language.requires_grad_(False)
        vlm.lm_head.requires_grad_(False)  # LoRA adapts the layers; head and embeddings stay
        inject_adapter_in_model(config, language)
        injected.append(language)
    if options.vision == "frozen":
        vision.requires_grad_(False)
    elif options.vision == "lora":
        from peft import LoraConfig, inject_adapter_in_model

        rank = options.lora_rank or 8
        targets = tuple(options.vision_lora_targets or vlm.vision_lora_targets)
        if targets == ("attention",):  # the official recipe: the tower's q/k/v only
            targets = vlm.vision_attention_lora_targets
        vision.requires_grad_(False)
        inject_adapter_in_model(
            LoraConfig(
                r=rank,
                lora_alpha=options.lora_alpha or 2 * rank,
                lora_dropout=options.lora_dropout,
                target_modules=list(targets),
            ),
            vision,
        )
        injected.append(vision)
    elif options.vision != "full":
        raise VideoScanError(f"--vision must be full, frozen or lora (got {options.vision})")
    for projector in projectors:
        projector.requires_grad_(True)
    return injected


def _vision_parameters(vlm) -> set[int]:
    """ids of the vision tower's own parameters (its learning rate), projectors excluded."""
    vision, projectors = vlm.training_parts()
    excluded = {id(p) for projector in projectors for p in projector.parameters()}
    return {id(p) for p in vision.parameters() if id(p) not in excluded}


def _merge_lora(owners: list) -> None:
    """Fold LoRA weights into the base layers and put the plain layers back."""
    from peft.tuners.lora import LoraLayer

    for owner in owners:
        for name, module in list(owner.named_modules()):
            if isinstance(module, LoraLayer):
                module.merge()
                parent_name, _, child = name.rpartition(".")
                parent = owner.get_submodule(parent_name) if parent_name else owner
                setattr(parent, child, module.get_base_layer())


def _dataset(options: TrainOptions):
    from .data import JsonVideoDataset, SyntheticDataset

    if options.data in ("synthetic", "synthetic-words"):
        return SyntheticDataset(
            "train",
            options.videos,
            easy_fraction=options.easy_fraction,
            words=options.data == "synthetic-words",
        )
    return JsonVideoDataset(
        options.data, options.video_folder, frames_per_clip=options.frames_per_clip
    )


def _preflight(options: TrainOptions):
    """Everything that can be refused before the model loads: (folder, family, staged output)."""
    from ..adapters.loading import resolve_model_folder
    from .preflight import StagedOutput, check_data, check_family, check_positions

    if options.position_mode not in TRAIN_POSITION_MODES:
        raise VideoScanError(f"positions must be one of {TRAIN_POSITION_MODES}")
    if options.fsdp and "LOCAL_RANK" not in os.environ:
        raise VideoScanError(
            "--fsdp shards over the processes torchrun starts: run it as "
            "torchrun --nproc_per_node N -m videoscan_core.cli.main train ... --fsdp"
        )
    folder = resolve_model_folder(options.model)
    staged = StagedOutput(folder, options.output, options.overwrite, options.resume)
    try:
        found = staged.checkpoints() if options.resume else []
        family = check_family(folder, options.data, found[-1] if found else None)
        if options.stage == 2:
            check_positions(family, options.position_mode)
        if options.data not in ("synthetic", "synthetic-words"):
            check_data(options.data, options.video_folder)
    except BaseException:
        staged.abandon()
        raise
    return folder, family, staged


def train(options: TrainOptions) -> Path:
    folder, family, staged = _preflight(options)
    try:
        output = _train(options, folder, family, staged)
    except BaseException:
        note = staged.abandon()
        if note:
            log.warning(note)
        raise
    leave_process_group()  # every process waits until process 0 has written the model
    return output


def _train(options: TrainOptions, folder: Path, family: str, staged) -> Path:
    from transformers import TrainingArguments

    from ..adapters.loading import MODEL_SETTINGS_FILE, load_model, read_model_settings
    from .data import Collator
    from .model import CarrierTrainingModel
    from .replay import StreamReplayTrainingModel
    from .trainer import CarrierTrainer

    vlm = load_model(folder, device="cpu", dtype="float32")  # the adapter inference uses
    model, tokenizer, preprocessor = vlm.model, vlm.tokenizer, vlm.preprocessor
    newline = getattr(vlm, "newline", "none")
    settings = read_model_settings(folder)
    lora_owners = _set_trainable(vlm, options)
    masked = vlm.masked_training
    if masked:  # one masked sequence per sample (equal to streaming for these layouts)
        wrapper = CarrierTrainingModel(model, options.stage, options.position_mode, newline)
    else:  # streaming replayed through the adapter (scaffold text, M-RoPE, DeepStack)
        wrapper = StreamReplayTrainingModel(vlm, options.stage, options.position_mode)
    dataset = _dataset(options)
    if len(dataset) == 0:
        raise VideoScanError("the training data holds no question/answer pairs")
    output = staged.folder
    args = TrainingArguments(
        output_dir=str(output / "checkpoints"),
        per_device_train_batch_size=options.batch_size,
        gradient_accumulation_steps=options.grad_accum,
        learning_rate=options.learning_rate,
        weight_decay=options.weight_decay,
        max_steps=options.max_steps if options.max_steps > 0 else -1,
        num_train_epochs=options.epochs,
        # transformers 5: a float below 1 is a ratio of the total steps (the official 0.03)
        warmup_steps=options.warmup_ratio if options.warmup_ratio > 0 else options.warmup_steps,
        lr_scheduler_type="cosine",
        logging_steps=options.logging_steps,
        save_steps=options.save_steps,
        save_total_limit=2,
        report_to="none",
        remove_unused_columns=False,
        dataloader_num_workers=0,
        seed=options.seed,
        disable_tqdm=not options.show_progress,
        bf16=torch.cuda.is_available() and torch.cuda.is_bf16_supported(),
        use_cpu=not torch.cuda.is_available(),
        save_only_model=options.fsdp,  # sharded checkpoints: trainer.py writes the rest
    )
    units = 0
    if options.fsdp:  # FSDP2 over the torchrun processes (args.device sets the group up)
        from . import sharding

        units = sharding.shard(wrapper, vlm, masked, args.device)
    trainer = CarrierTrainer(
        model=wrapper,
        args=args,
        train_dataset=dataset,
        data_collator=Collator(
            tokenizer,
            preprocessor,
            prompt=vlm.prompt,
            time_instruction=bool(getattr(vlm, "time_instruction", True)),
            raw_frames=not masked,
        ),
    )
    trainer.sharded = options.fsdp
    trainer.vision_learning_rate = options.vision_learning_rate
    trainer.vision_parameters = _vision_parameters(vlm)
    found = staged.checkpoints() if options.resume else []
    if options.resume and not found:
        log.warning("no checkpoint in %s: starting from the beginning", options.output)
    steps_run = _count_steps(trainer)
    result = trainer.train(resume_from_checkpoint=str(found[-1]) if found else None)
    if options.fsdp:  # every process sends its shards; process 0 writes a plain model
        from .sharding import full_state_dict

        state = full_state_dict(wrapper)
        if trainer.is_world_process_zero():
            vlm, lora_owners = _unsharded(folder, options, state)
            model = vlm.model
    if not trainer.is_world_process_zero():
        return staged.output  # rank 0 writes the model and renames the folder
    _merge_lora(lora_owners)
    model.save_pretrained(output)
    tokenizer.save_pretrained(output)
    _copy_processor_files(folder, output)
    # the newline mode travels with the weights: a LLaVA-Video saved in OneVision format keeps
    # its per-row newlines when loaded again (adapters/loading.py reads "newline")
    settings = {**settings, "family": family, "newline": newline}
    (output / MODEL_SETTINGS_FILE).write_text(json.dumps(settings, indent=2))
    record = {
        "options": asdict(options),
        "family": family,
        "tokens_per_frame": vlm.tokens_per_frame,
        "train_loss": result.training_loss,
        "steps": result.global_step,
        "steps_run": steps_run[0],  # optimizer steps of this invocation (less when resumed)
        "resumed": bool(found),
        "processes": args.world_size,
        "fsdp_units": units,  # sharded units (0: not sharded)
        "log": trainer.state.log_history,
    }
    (output / "training.json").write_text(json.dumps(record, indent=2))
    return staged.commit()


def _unsharded(folder: Path, options: TrainOptions, state: dict) -> tuple:
    """A plain copy of the model (its LoRA layers too) holding the gathered weights ``state``
    (the wrapper's keys, ``model.<name>``): what a sharded run writes at the end."""
    from ..adapters.loading import load_model

    vlm = load_model(folder, device="cpu", dtype="float32")
    owners = _set_trainable(vlm, options)
    weights = {name.removeprefix("model."): tensor for name, tensor in state.items()}
    vlm.model.load_state_dict(weights)
    return vlm, owners


def _copy_processor_files(source: Path, output: Path) -> None:
    """The source's processor files (preprocessor, processor, video and chat-template
    configs) that saving the model and tokenizer did not write."""
    for path in source.iterdir():
        if path.is_file() and path.suffix in (".json", ".jinja") and "processor" in path.name:
            if not (output / path.name).exists():
                shutil.copy(path, output / path.name)
        elif path.name == "chat_template.jinja" and not (output / path.name).exists():
            shutil.copy(path, output / path.name)


def _count_steps(trainer) -> list[int]:
    """Count the optimizer steps this run performs (a resumed run skips the finished ones)."""
    from transformers import TrainerCallback

    counter = [0]

    class StepCounter(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            counter[0] += 1

    trainer.add_callback(StepCounter())
    return counter
