"""Run by tests/train/test_ddp.py and test_fsdp.py, alone or under torchrun: one training stage
with a loss logged at every step. argv: model folder, output folder, per-process batch, then
optional flags: --fsdp (shard with FSDP2), --steps N (default 3), --save-steps N, --resume,
--lora N (LoRA rank, vision LoRA too),
--crash-after-save N (raise once checkpoint N is written: an interrupted run)."""

import sys

from videoscan_core.train import runner
from videoscan_core.train.runner import TrainOptions, train
from videoscan_core.train.torchrun import end_process


def crash_after_save(step: int) -> None:
    """Make the run fail right after checkpoint ``step`` is written (test only)."""
    from transformers import TrainerCallback

    count_steps = runner._count_steps

    class Crash(TrainerCallback):
        def on_save(self, args, state, control, **kwargs):
            if state.global_step == step:
                raise RuntimeError(f"interrupted after checkpoint {step}")

    def patched(trainer):
        trainer.add_callback(Crash())
        return count_steps(trainer)

    runner._count_steps = patched


def value(flag: str, default: int) -> int:
    return int(sys.argv[sys.argv.index(flag) + 1]) if flag in sys.argv else default


if __name__ == "__main__":
    model, output, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if "--crash-after-save" in sys.argv:
        crash_after_save(value("--crash-after-save", 0))
    train(
        TrainOptions(
            stage=2,
            model=model,
            output=output,
            videos=8,
            batch_size=batch,
            max_steps=value("--steps", 3),
            learning_rate=1e-2,
            warmup_steps=0,
            logging_steps=1,
            save_steps=value("--save-steps", 100),
            show_progress=False,
            fsdp="--fsdp" in sys.argv,
            resume="--resume" in sys.argv,
            lora_rank=value("--lora", 0),
            vision="lora" if "--lora" in sys.argv else "full",
        )
    )
    end_process(0)  # as the CLI's train command ends
