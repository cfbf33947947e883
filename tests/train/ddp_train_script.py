"""Run by tests/train/test_ddp.py, once alone and once under torchrun: one training stage with a
loss logged at every step (argv: model folder, output folder, per-process batch)."""

import sys

from videoscan_core.train.runner import TrainOptions, train

if __name__ == "__main__":
    model, output, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
    train(
        TrainOptions(
            stage=2,
            model=model,
            output=output,
            videos=4,
            batch_size=batch,
            max_steps=3,
            learning_rate=1e-2,
            warmup_steps=0,
            logging_steps=1,
            save_steps=100,
            show_progress=False,
        )
    )
