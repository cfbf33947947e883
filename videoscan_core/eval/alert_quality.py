"""Alert quality on synthetic videos: precision and recall of alert times within one frame.

Contract: ``evaluate_alerts(model, videos, start, memory, every)`` streams held-out test-split
videos (``synthetic.split_seeds("test", ...)``; disjoint from training seeds) through the real
engine with an ``AlertWatcher`` holding conditions about shapes appearing: one per colour
("a red shape appears"), one per shape ("a circle appears") and the named shapes of the video
("the red circle appears"). The true alert times of a condition are the frames where it becomes
true (on screen now, not on screen in the frame before). A predicted alert matches an unmatched
true one at most ``tolerance`` frames away (one-to-one, nearest first). Returns precision, recall
and counts overall and per condition kind, and ``frame_auc``: how well the per-frame scores
separate frames where a condition holds from frames where it does not (0.5 = chance). Run:
``python -m benchmarks.alert_quality --model videoscan-demo [--videos 100] [--json]``.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field

from .synthetic import COLORS, SHAPES, Event, SyntheticVideo, make_video, split_seeds


@dataclass
class Tally:
    true: int = 0
    predicted: int = 0
    matched: int = 0

    def add(self, other: Tally) -> None:
        self.true += other.true
        self.predicted += other.predicted
        self.matched += other.matched

    def to_json(self) -> dict:
        precision = self.matched / self.predicted if self.predicted else None
        recall = self.matched / self.true if self.true else None
        return {
            "precision": None if precision is None else round(precision, 4),
            "recall": None if recall is None else round(recall, 4),
            "true_alerts": self.true,
            "predicted_alerts": self.predicted,
            "matched": self.matched,
        }


@dataclass
class AlertQuality:
    videos: int
    tallies: dict[str, Tally] = field(default_factory=dict)
    true_scores: list[float] = field(default_factory=list)  # per frame, condition holding
    false_scores: list[float] = field(default_factory=list)  # per frame, condition not holding

    def frame_auc(self) -> float | None:
        """P(a frame where the condition holds scores above one where it does not): 0.5 is no
        better than chance, whatever the thresholds."""
        if not self.true_scores or not self.false_scores:
            return None
        ranked = sorted(self.false_scores)
        wins = 0.0
        for score in self.true_scores:
            below = bisect.bisect_left(ranked, score)
            ties = bisect.bisect_right(ranked, score) - below
            wins += below + ties / 2
        return wins / (len(self.true_scores) * len(ranked))

    def to_json(self) -> dict:
        overall = Tally()
        for tally in self.tallies.values():
            overall.add(tally)
        auc = self.frame_auc()
        return {
            "videos": self.videos,
            "frame_auc": None if auc is None else round(auc, 4),
            "overall": overall.to_json(),
            "per_kind": {kind: tally.to_json() for kind, tally in sorted(self.tallies.items())},
        }


def conditions_for(video: SyntheticVideo) -> dict[str, tuple[str, Callable]]:
    """Condition text -> (kind, does it hold for an event)."""
    found: dict[str, tuple[str, Callable]] = {}
    for color in COLORS:
        found[f"a {color} shape appears"] = ("color", lambda e, c=color: e.color == c)
    for shape in SHAPES:
        found[f"a {shape} appears"] = ("shape", lambda e, s=shape: e.shape == s)
    for event in video.events:
        found[f"the {event.name} appears"] = ("named", lambda e, n=event.name: e.name == n)
    return found


def on_screen(video: SyntheticVideo, index: int) -> Event | None:
    return next((e for e in video.events if e.start <= index < e.start + e.length), None)


def true_states(video: SyntheticVideo, holds) -> list[bool]:
    """Per frame: does the condition hold?"""
    return [bool(e := on_screen(video, i)) and holds(e) for i in range(len(video.frames))]


def true_onsets(video: SyntheticVideo, holds) -> list[int]:
    """Frame indices where the condition becomes true."""
    states = true_states(video, holds)
    return [i for i, state in enumerate(states) if state and (i == 0 or not states[i - 1])]


def match(true: list[int], predicted: list[int], tolerance: int) -> int:
    """Matched pairs, one-to-one, nearest first."""
    pairs = sorted((abs(t - p), t, p) for t in true for p in predicted if abs(t - p) <= tolerance)
    used_true, used_predicted, matched = set(), set(), 0
    for _, t, p in pairs:
        if t not in used_true and p not in used_predicted:
            used_true.add(t)
            used_predicted.add(p)
            matched += 1
    return matched


def evaluate_alerts(
    model, videos: int = 100, start: int = 0, memory: int = 16, every: int = 1,
    tolerance: int = 1,
) -> AlertQuality:  # fmt: skip
    from ..config import EngineConfig
    from ..stream.alerts import AlertWatcher, Condition
    from ..stream.engine import StreamingEngine

    engine = StreamingEngine(model, EngineConfig(memory_size=memory))
    result = AlertQuality(videos)
    for seed in split_seeds("test", videos, start=start):
        video = make_video(seed)
        engine.reset()
        conditions = conditions_for(video)
        states = {text: true_states(video, holds) for text, (_, holds) in conditions.items()}
        watcher = AlertWatcher([Condition(text, id=text) for text in conditions], every=every)
        predicted: dict[str, list[int]] = {text: [] for text in conditions}
        for index, (timestamp, frame) in enumerate(
            zip(video.timestamps, video.frames, strict=True)
        ):
            event = engine.add_frame(frame, timestamp)
            for alert in watcher.after_frame(engine, event):
                predicted[alert.condition_id].append(index)
            if watcher.due():
                for text, score in watcher.last_scores.items():
                    chosen = result.true_scores if states[text][index] else result.false_scores
                    chosen.append(score)
        for text, (kind, holds) in conditions.items():
            true = true_onsets(video, holds)
            tally = result.tallies.setdefault(kind, Tally())
            tally.add(Tally(len(true), len(predicted[text]),
                            match(true, predicted[text], tolerance)))  # fmt: skip
    return result


def table(quality: dict) -> str:
    """A Markdown table of ``AlertQuality.to_json()``."""
    lines = [
        f"per-frame score AUC (0.5 = chance): {quality.get('frame_auc')}",
        "",
        "| conditions | precision | recall | true alerts | predicted |",
        "|---|---|---|---|---|",
    ]
    for kind, row in [("all", quality["overall"]), *quality["per_kind"].items()]:
        lines.append(
            f"| {kind} | {row['precision']} | {row['recall']} | {row['true_alerts']} "
            f"| {row['predicted_alerts']} |"
        )
    return "\n".join(lines)
