"""Vision warm-up for the bundled model: the new vision tower and connector learn to see the
synthetic world before the language model is involved (cheap: no language-model forward).

Contract: ``warmup_loss(vlm, frames, labels)`` for synthetic frames ``[F]`` (RGB uint8) with
``labels`` from ``frame_labels``: each frame's carrier (the mean of its visual tokens, what the
memory keeps) is pulled towards the language model's own embedding of what the frame shows
(the mean input embedding of " a red circle", or of " no shape" for a blank, noisy or white
frame; cosine distance), and two linear probes on it must tell the colour and the shape
(cross-entropy; ``WarmupProbes``, dropped after the warm-up). So the carriers start out as
something SmolLM2 already reads as words. ``frame_batch(step, size)`` draws training frames
deterministically from the training split.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..eval.synthetic import COLORS, SHAPES, make_video, split_seeds
from ..eval.synthetic_words import a, on_screen

COLOR_NAMES = [*COLORS, "none"]
SHAPE_NAMES = [*SHAPES, "none"]


class WarmupProbes(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.color = nn.Linear(width, len(COLOR_NAMES))
        self.shape = nn.Linear(width, len(SHAPE_NAMES))


def frame_batch(step: int, size: int, first_video: int = 2_000_000):
    """(frames, descriptions, colour ids, shape ids) of ``size`` training frames."""
    frames, words, colors, shapes = [], [], [], []
    rng = np.random.default_rng(step)
    for seed in split_seeds("train", size, first_video + step * size):
        video = make_video(seed)
        index = int(rng.integers(len(video.frames)))
        event = on_screen(video, index)
        frames.append(video.frames[index])
        words.append(a(event))
        colors.append(COLOR_NAMES.index(event.color if event else "none"))
        shapes.append(SHAPE_NAMES.index(event.shape if event else "none"))
    return frames, words, torch.tensor(colors), torch.tensor(shapes)


def warmup_loss(vlm, probes: WarmupProbes, frames, words, colors, shapes) -> torch.Tensor:
    tokens = vlm.encode(vlm.preprocess(frames)).tokens  # [F, N, D]
    carriers = tokens.mean(dim=1)  # [F, D]
    with torch.no_grad():
        targets = torch.stack([vlm.embed(vlm.tokenize(" " + w))[0].mean(dim=0) for w in words])
    distance = 1 - nn.functional.cosine_similarity(carriers, targets.to(carriers.dtype)).mean()
    norm = (carriers.norm(dim=-1) / targets.norm(dim=-1) - 1).pow(2).mean()  # same scale
    device = carriers.device
    classify = (nn.functional.cross_entropy(probes.color(carriers), colors.to(device))
                + nn.functional.cross_entropy(probes.shape(carriers), shapes.to(device)))
    return distance + norm + 0.5 * classify
