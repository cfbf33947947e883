"""The Trainer of ``videoscan train``: transformers' Trainer, saving and resuming our own way.

Contract: ``CarrierTrainer(...)`` takes the Trainer's arguments (transformers is imported only when
one is made). Unsharded runs: a checkpoint holds the wrapped transformers model's weights under
the module's own parameter names (``CHECKPOINT_WEIGHTS``; ``save_pretrained`` renames some
families' keys to the hub layout, which a resume would silently fail to find) and its config (its
family, for the resume checks), plus the Trainer's optimizer, scheduler and RNG files. Sharded runs
(``sharded = True``: the wrapper went through ``sharding.shard``; the Trainer then runs with
``save_only_model``): every process writes its shards of the weights and optimizer states into the
checkpoint (``sharding.save_checkpoint``), process 0 the config and the scheduler, each process its
RNG state; a resume reads them back the same way. A checkpoint that does not fit the model is
refused in one line. ``vision_learning_rate``: AdamW puts the vision tower's parameters
(``vision_parameters``, ids) at that rate (the official recipe).
"""

from __future__ import annotations

from pathlib import Path

import torch

from ..errors import VideoScanError
from . import sharding
from .preflight import state_written_last

CHECKPOINT_WEIGHTS = "videoscan-train-state.safetensors"  # a checkpoint's weights, module names
SCHEDULER_FILE = "scheduler.pt"  # the Trainer's own name for it


class CarrierTrainer:
    """Created lazily (below) so importing this module does not import transformers."""

    def __new__(cls, *args, **kwargs):
        return carrier_trainer_class()(*args, **kwargs)


def _refuse(folder: Path, why: str) -> None:
    raise VideoScanError(
        f"checkpoint {folder} does not fit this model ({why}): resume with the "
        "model, --lora-rank and --vision settings it was trained with"
    )


def carrier_trainer_class():
    from transformers import Trainer

    class _CarrierTrainer(Trainer):
        vision_learning_rate: float | None = None
        vision_parameters: set[int] = set()  # ids (runner._vision_parameters)
        sharded = False  # the wrapper is sharded with FSDP2 (sharding.py)

        def _save(self, output_dir: str | None = None, state_dict=None) -> None:
            target = Path(output_dir or self.args.output_dir)
            if self.args.should_save:
                target.mkdir(parents=True, exist_ok=True)
                self.model.model.config.save_pretrained(target)
            if self.sharded:
                return  # the shards are written with the optimizer's (_save_checkpoint)
            if not self.args.should_save:
                return  # one writer (process 0); the folder may not exist yet elsewhere
            from safetensors.torch import save_model

            save_model(self.model.model, str(target / CHECKPOINT_WEIGHTS))

        def _save_checkpoint(self, model, trial) -> None:
            super()._save_checkpoint(model, trial)
            if not self.sharded:
                return
            from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR

            folder = Path(self._get_output_dir(trial=trial))
            folder = folder / f"{PREFIX_CHECKPOINT_DIR}-{self.state.global_step}"
            with state_written_last(folder, self.args.should_save):  # complete after the shards
                sharding.save_checkpoint(self.model, self.optimizer, folder)
                if self.args.should_save:
                    torch.save(self.lr_scheduler.state_dict(), folder / SCHEDULER_FILE)
                self._save_rng_state(str(folder))

        def create_optimizer(self, model=None):
            """AdamW with the vision tower at its own learning rate (the official recipe)."""
            if self.optimizer is None and self.vision_learning_rate is not None:
                vision, other = [], []
                for parameter in self.model.parameters():
                    if parameter.requires_grad:
                        in_vision = id(parameter) in self.vision_parameters
                        (vision if in_vision else other).append(parameter)
                groups = [{"params": other, "lr": self.args.learning_rate}]
                if vision:
                    groups.append({"params": vision, "lr": self.vision_learning_rate})
                self.optimizer = torch.optim.AdamW(groups, weight_decay=self.args.weight_decay)
            return super().create_optimizer()

        def _load_from_checkpoint(self, resume_from_checkpoint: str, model=None) -> None:
            folder = Path(resume_from_checkpoint)
            if self.sharded:
                if not sharding.has_checkpoint(folder):
                    raise VideoScanError(
                        f"checkpoint {folder} was not written by a sharded run (--fsdp); resume "
                        "it without --fsdp"
                    )
                sharding.load_weights(self.model, folder)
                return
            weights = folder / CHECKPOINT_WEIGHTS
            if not weights.is_file():
                raise VideoScanError(
                    f"checkpoint {folder} was not written by this version of videoscan train "
                    f"(no {CHECKPOINT_WEIGHTS}); train again without --resume"
                )
            from safetensors.torch import load_model

            try:
                missing, unexpected = load_model(self.model.model, str(weights), strict=False)
            except RuntimeError:  # a weight of another shape
                _refuse(folder, "weights of other shapes")
            else:
                if missing or unexpected:
                    _refuse(folder, f"{len(missing)} weights missing, {len(unexpected)} unexpected")

        def _load_optimizer_and_scheduler(self, checkpoint: str | None) -> None:
            if not self.sharded or checkpoint is None:
                return super()._load_optimizer_and_scheduler(checkpoint)
            sharding.load_optimizer(self.model, self.optimizer, Path(checkpoint))
            state = torch.load(Path(checkpoint) / SCHEDULER_FILE, weights_only=True)
            self.lr_scheduler.load_state_dict(state)

    return _CarrierTrainer
