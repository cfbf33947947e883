"""How much of a frame's shape and colour its carrier holds: a linear probe on frozen features.

Encodes the frames of held-out synthetic test videos that show a shape, takes the carrier (the
mean of the frame's visual tokens) and all visual tokens, fits a multinomial logistic regression
on 70% of the frames and prints its accuracy on the other 30% (chance: 1/3 for shape, 1/4 for
colour):

    OMP_NUM_THREADS=1 python scripts/probe_carrier.py resources/models/videoscan-demo [VIDEOS]
"""

from __future__ import annotations

import sys

import torch

from videoscan_core.adapters import load_model
from videoscan_core.eval.alert_quality import on_screen
from videoscan_core.eval.synthetic import COLORS, SHAPES, make_video, split_seeds


def probe(features: torch.Tensor, labels: torch.Tensor, train: torch.Tensor) -> float:
    mean, std = features[train].mean(0), features[train].std(0) + 1e-6
    x = (features - mean) / std
    weights = torch.zeros(x.shape[1], int(labels.max()) + 1, requires_grad=True)
    optimizer = torch.optim.Adam([weights], lr=0.01)
    for _ in range(300):
        optimizer.zero_grad()
        logits = x[train] @ weights
        loss = torch.nn.functional.cross_entropy(logits, labels[train])
        (loss + 1e-3 * weights.pow(2).sum()).backward()
        optimizer.step()
    return ((x[~train] @ weights).argmax(1) == labels[~train]).float().mean().item()


def main() -> None:
    torch.set_num_threads(1)
    model = load_model(sys.argv[1], dtype="float32")
    videos = int(sys.argv[2]) if len(sys.argv) > 2 else 150
    frames, shapes, colours = [], [], []
    for seed in split_seeds("test", videos):
        video = make_video(seed)
        for index, frame in enumerate(video.frames):
            event = on_screen(video, index)
            if event is not None:
                frames.append(frame)
                shapes.append(SHAPES.index(event.shape))
                colours.append(list(COLORS).index(event.color))
    carriers, tokens = [], []
    with torch.no_grad():
        for start in range(0, len(frames), 64):
            visual = model.encode(model.preprocess(frames[start : start + 64])).tokens  # [B, N, D]
            carriers.append(visual.mean(1))
            tokens.append(visual.flatten(1))
    train = torch.arange(len(frames)) < int(len(frames) * 0.7)
    for name, features in (("carrier", torch.cat(carriers)), ("all tokens", torch.cat(tokens))):
        for label, values in (("shape", shapes), ("colour", colours)):
            accuracy = probe(features, torch.tensor(values), train)
            print(f"{name:10s} {label:6s} {accuracy:.3f} ({len(frames)} frames)")


if __name__ == "__main__":
    main()
