"""Running the synthetic streaming benchmark through the real engine, per variant.

Contract: ``evaluate(model, variant, split, videos)`` streams each generated video frame by frame
through a ``StreamingEngine`` configured by ``variant`` (or, for ``uniform_frames=K``, only K
frames sampled uniformly, with full tokens), asks each question at the end, and scores the
answer's option letter by exact match. Returns a ``BenchmarkResult`` with accuracy overall and
per question type. ``STANDARD_VARIANTS`` is the table the README reports.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..config import EngineConfig, GenerationOptions
from ..stream.frame_batches import stream_frames
from .synthetic import QUESTION_TYPES, answer_letter, make_video, split_seeds


@dataclass(frozen=True)
class Variant:
    key: str  # short name for the command line
    name: str
    config: EngineConfig
    uniform_frames: int = 0  # > 0: an offline baseline that sees only K uniformly sampled frames


@dataclass
class BenchmarkResult:
    variant: str
    key: str = ""
    questions: int = 0
    correct: int = 0
    per_type: dict[str, list[int]] = field(default_factory=dict)  # type -> [correct, total]
    median_frame_ms: float = 0.0
    seconds: float = 0.0
    predictions: list[dict] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.questions if self.questions else 0.0

    def type_accuracy(self, kind: str) -> float:
        correct, total = self.per_type.get(kind, [0, 0])
        return correct / total if total else float("nan")

    def summary(self) -> dict:
        return {
            "variant": self.variant,
            "key": self.key,
            "accuracy": round(self.accuracy, 4),
            "per_type": {k: round(self.type_accuracy(k), 4) for k in QUESTION_TYPES},
            "questions": self.questions,
            "median_frame_ms": round(self.median_frame_ms, 2),
        }


def standard_variants() -> list[Variant]:
    base = EngineConfig(memory_size=32)
    full = EngineConfig(carrier=False, memory_size=None)
    return [
        Variant("full", "full tokens (upper bound)", full),
        Variant("uniform4", "uniform 4 frames, full tokens", full, uniform_frames=4),
        Variant("uniform8", "uniform 8 frames, full tokens", full, uniform_frames=8),
        Variant("m4", "VideoScan M=4", base.replace(memory_size=4)),
        Variant("m8", "VideoScan M=8", base.replace(memory_size=8)),
        Variant("m16", "VideoScan M=16", base.replace(memory_size=16)),
        Variant("m32", "VideoScan M=32", base),
        Variant(
            "monotonic",
            "VideoScan M=32, monotonic positions",
            base.replace(position_mode="monotonic"),
        ),
        Variant(
            "rerotate",
            "VideoScan M=32, rerotated positions",
            base.replace(position_mode="rerotate"),
        ),
        Variant("no-carrier-kv", "without carrier KV", base.replace(carrier_kv=False)),
        Variant(
            "no-carrier-embedding",
            "without carrier embedding",
            base.replace(carrier_input="constant"),
        ),
        Variant("topk2", "VideoScan+ top-2", base.replace(keep_topk=2)),
        Variant("recent1", "recent window r=1", base.replace(recent_frames=1)),
        Variant("recent2", "recent window r=2", base.replace(recent_frames=2)),
    ]


def position_variants() -> list[Variant]:
    """The position modes with a memory small enough to evict on these videos (M=8) and at
    M=32; not part of the standard table (``--variants`` picks them by key)."""
    base = EngineConfig(memory_size=8)
    return [
        Variant(f"m8-{mode}", f"VideoScan M=8, {mode} positions", base.replace(position_mode=mode))
        for mode in ("compact", "monotonic", "rerotate", "sliding")
    ] + [
        Variant(
            "sliding",
            "VideoScan M=32, sliding positions",
            EngineConfig(memory_size=32, position_mode="sliding"),
        )
    ]


def uniform_indices(count: int, keep: int) -> list[int]:
    if count <= keep:
        return list(range(count))
    return sorted({int(round(x)) for x in np.linspace(0, count - 1, keep)})


def evaluate(
    model,
    variant: Variant,
    split: str = "test",
    videos: int = 200,
    start: int = 0,
    keep_predictions: bool = False,
) -> BenchmarkResult:
    from ..stream.engine import StreamingEngine

    result = BenchmarkResult(variant.name, variant.key)
    engine = StreamingEngine(model, variant.config)
    options = GenerationOptions(max_new_tokens=3)
    frame_ms: list[float] = []
    started = time.perf_counter()
    for seed in split_seeds(split, videos, start):
        video = make_video(seed)
        engine.reset()
        indices: Sequence[int] = range(len(video.frames))
        if variant.uniform_frames:
            indices = uniform_indices(len(video.frames), variant.uniform_frames)
        samples = ((video.timestamps[index], video.frames[index]) for index in indices)
        for event in stream_frames(engine, samples):
            frame_ms.append(event.total_ms)
        for question in video.questions:
            # independent questions, as trained: no conversation history between them
            chunks = list(engine.ask(question.text, options, use_history=False, remember=False))
            answer = chunks[-1].answer
            ok = answer_letter(answer) == question.answer
            result.questions += 1
            result.correct += int(ok)
            tally = result.per_type.setdefault(question.kind, [0, 0])
            tally[0] += int(ok)
            tally[1] += 1
            if keep_predictions:
                result.predictions.append(
                    {
                        "seed": seed,
                        "kind": question.kind,
                        "answer": question.answer,
                        "predicted": answer,
                    }
                )
    result.median_frame_ms = statistics.median(frame_ms) if frame_ms else 0.0
    result.seconds = time.perf_counter() - started
    return result


def format_table(results: list[BenchmarkResult]) -> str:
    header = "| variant | overall | " + " | ".join(QUESTION_TYPES) + " | questions |"
    lines = [header, "|---|---|" + "---|" * len(QUESTION_TYPES) + "---|"]
    for r in results:
        cells = " | ".join(f"{100 * r.type_accuracy(k):.1f}" for k in QUESTION_TYPES)
        lines.append(f"| {r.variant} | {100 * r.accuracy:.1f} | {cells} | {r.questions} |")
    return "\n".join(lines)
