"""A streaming runner for public video-QA benchmarks (loaders: ``eval/formats.py``).

Contract: ``run_public_benchmark(fmt, model, annotation, ...)`` streams every video once through
the engine with memory M at the chosen sampling (``eval/sources.py``: ``"official"`` = the
official streaming schedule, the default; ``"fps"`` = every ``1/fps`` s), asks each of its
questions (streaming items at their time, the others at the end, where "The video lasts for"
is the video's length), scores multiple-choice answers with ``choice.parse_choice`` and
open-ended ones by normalised exact match, token F1 and, with ``judge``, an LLM judge.

- ``predictions_path``: each row is appended (JSON lines) as soon as it is made; with ``resume``
  items already there are skipped, and the summary covers old and new rows. The file and the
  video folder are checked before any model work.
- ``memory_semantics``: ``"videoscan"`` keeps M carriers throughout; ``"official"`` keeps M-1
  while streaming and M at the last frame (the official code evicts when the bank reaches M).
- ``shard=(index, count)``: only videos ``index, index + count, ...`` (``eval/sharded.py``).
- A video that could not be read, or whose decoder stopped early (questions asked after the
  stop), gives rows with ``error``: counted in ``errors``, never correct, apart from ``wrong``.
Summary: accuracy over all items, per category, MLVU's M-avg (mean over tasks), VideoMME by
duration (short/medium/long), errors and wrong answers, frames, timings, and a Markdown table.
"""

from __future__ import annotations

import re
import statistics
import time
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path

from ..errors import VideoReadError, VideoScanError
from .choice import LETTERS, parse_choice
from .formats import QAItem, load_items
from .predictions import PredictionLog

__all__ = ["QAItem", "load_items", "run_public_benchmark", "score"]
MEMORY_SEMANTICS = ("videoscan", "official")


def _normalise(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9 ]", " ", text.lower()).split()


def score(item: QAItem, predicted: str) -> dict:
    if item.options:
        choice = parse_choice(predicted, len(item.options), item.options)
        letter = LETTERS[choice] if choice is not None else None
        return {"correct": letter == item.answer, "predicted_letter": letter}
    gold, guess = _normalise(item.answer), _normalise(predicted)
    common = sum(min(gold.count(w), guess.count(w)) for w in set(gold))
    f1 = 0.0 if not common else 2 * common / (len(gold) + len(guess))
    return {"correct": gold == guess, "f1": round(f1, 4)}


def _check(limit, video_folder, memory, memory_semantics, sampling) -> None:
    from .sources import SAMPLINGS

    if limit is not None and limit < 0:
        raise VideoScanError(f"limit must be 0 (all items) or more (got {limit})")
    if video_folder is not None and not Path(video_folder).is_dir():
        raise VideoScanError(f"video folder {video_folder} does not exist or is not a folder")
    if memory_semantics not in MEMORY_SEMANTICS:
        raise VideoScanError(f"memory semantics must be one of {MEMORY_SEMANTICS}")
    if memory_semantics == "official" and memory < 2:
        raise VideoScanError("official memory semantics need a memory of at least 2")
    if sampling not in SAMPLINGS:
        raise VideoScanError(f"sampling must be one of {SAMPLINGS} (got {sampling!r})")


def run_public_benchmark(
    fmt: str,
    model,
    annotation: str | Path,
    video_folder: str | Path | None = None,
    memory: int = 64,
    fps: float = 1.0,
    limit: int | None = 0,
    predictions_path: str | Path | None = None,
    sampling: str = "official",
    memory_semantics: str = "videoscan",
    judge=None,
    resume: bool = True,
    shard: tuple[int, int] = (0, 1),
) -> dict:
    from ..process_stats import peak_rss_mb

    _check(limit, video_folder, memory, memory_semantics, sampling)
    log = PredictionLog(predictions_path, resume) if predictions_path else None
    items = load_items(fmt, annotation, video_folder)[: limit or None]
    if not items:
        raise VideoScanError(f"{annotation} holds no questions")
    by_video: dict[Path, list[QAItem]] = defaultdict(list)
    for item in items:
        by_video[item.video].append(item)
    videos = list(by_video)[shard[0] :: shard[1]]
    runner = _Runner(model, memory, memory_semantics, sampling, fps, judge)
    new_rows: list[dict] = []
    started = time.perf_counter()
    try:
        for video in videos:
            pending = [q for q in by_video[video] if not (log and q.id in log.done)]
            for row in runner.video(pending):
                new_rows.append(row)
                if log:
                    log.append(row)
    finally:
        if log:
            log.close()
    mine = {q.id for video in videos for q in by_video[video]}
    rows = [r for r in log.rows() if str(r["id"]) in mine] if log else new_rows
    seconds = time.perf_counter() - started
    return summarise(fmt, rows, runner.frames, runner.frame_ms, seconds, peak_rss_mb())


class _Runner:
    """Streams one video's frames and asks its pending questions."""

    def __init__(self, model, memory, memory_semantics, sampling, fps, judge) -> None:
        from ..config import EngineConfig, GenerationOptions
        from ..stream.engine import StreamingEngine

        self.engine = StreamingEngine(model, EngineConfig(memory_size=memory))
        self.memory, self.official = memory, memory_semantics == "official"
        self.sampling, self.fps, self.judge = sampling, fps, judge
        self.options = GenerationOptions(max_new_tokens=64)
        self.frames, self.frame_ms = 0, list[float]()

    def _samples(self, item: QAItem, outcome):
        from .sources import item_frames

        samples = item_frames(item, self.sampling, self.fps, outcome)
        if not self.official:
            yield from samples
            return
        waiting = next(samples, None)
        for sample in samples:
            yield waiting
            waiting = sample
        if waiting is not None:
            self.engine.set_memory_size(self.memory)  # the last frame joins without eviction
            yield waiting

    def video(self, pending: list[QAItem]):
        from ..stream.frame_batches import stream_frames
        from ..video import ReadOutcome
        from .sources import video_length

        if not pending:
            return
        engine, outcome = self.engine, ReadOutcome()
        engine.reset()
        if self.official:
            engine.set_memory_size(self.memory - 1)
        pending = sorted(pending, key=lambda q: (q.ask_at is None, q.ask_at or 0.0))
        try:
            length = video_length(pending[0])
            samples = self._samples(pending[0], outcome)
            for event in stream_frames(engine, samples, batch=1 if self.official else 4):
                self.frame_ms.append(event.total_ms)
                self.frames += 1
                while pending and pending[0].ask_at is not None:
                    if pending[0].ask_at > event.timestamp:
                        break
                    yield self._ask(pending.pop(0), event.timestamp)
        except VideoReadError as error:
            for item in pending:
                yield {**_describe(item), "error": str(error), "correct": False}
            return
        # the stream is at the video's end: "The video lasts for" = its length
        engine.last_timestamp = max(engine.last_timestamp or 0.0, length)
        for item in pending:
            yield self._ask(item, engine.last_timestamp, outcome.stopped_early)

    def _ask(self, item: QAItem, at: float, error: str | None = None) -> dict:
        chunks = list(self.engine.ask(
            item.prompt(), self.options, use_history=False, remember=False
        ))
        final = chunks[-1]
        row = {
            **_describe(item),
            "asked_at": at,
            "prediction": final.answer,
            "ttft_ms": round(final.ttft_ms, 1),
            **score(item, final.answer),
        }
        if self.judge is not None and not item.options:
            row.update(self.judge.judge(item.question, item.answer, final.answer))
        if error:
            row.update(error=error, scored_correct=row["correct"], correct=False)
        return row


def _describe(item: QAItem) -> dict:
    data = asdict(item)
    data["video"] = str(item.video)
    return data


def _rate(values: list[bool]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def summarise(fmt, rows, frames=0, frame_ms=(), seconds=0.0, peak_mb=0.0) -> dict:
    """The summary of prediction rows (also used on merged shard files)."""
    categories: dict[str, list[bool]] = defaultdict(list)
    durations: dict[str, list[bool]] = defaultdict(list)
    for row in rows:
        categories[row.get("category") or fmt].append(bool(row["correct"]))
        if row.get("duration_group"):
            durations[row["duration_group"]].append(bool(row["correct"]))
    errors = sum(1 for r in rows if r.get("error"))
    accuracy = _rate([bool(r["correct"]) for r in rows])
    summary = {
        "benchmark": fmt,
        "items": len(rows),
        "accuracy": accuracy,
        "per_category": {k: _rate(v) for k, v in sorted(categories.items())},
        "errors": errors,
        "wrong": sum(1 for r in rows if not r["correct"] and not r.get("error")),
        "frames": frames,
        "median_frame_ms": round(statistics.median(frame_ms), 2) if frame_ms else 0.0,
        "peak_rss_mb": round(peak_mb, 1),
        "seconds": round(seconds, 1),
    }
    if fmt == "mlvu" and categories:  # the paper's M-avg: the mean of the per-task accuracies
        summary["m_avg"] = round(statistics.mean(summary["per_category"].values()), 4)
    if durations:
        summary["per_duration"] = {k: _rate(v) for k, v in sorted(durations.items())}
    if any("f1" in r for r in rows):
        summary["f1"] = round(statistics.mean(r.get("f1", 0.0) for r in rows), 4)
    judged = [r for r in rows if "judge_score" in r]
    if judged:
        summary["judge_accuracy"] = _rate([bool(r["judge_yes"]) for r in judged])
        summary["judge_score"] = round(statistics.mean(r["judge_score"] for r in judged), 3)
    lines = ["| category | accuracy | items |", "|---|---|---|"]
    lines += [f"| {k} | {100 * _rate(v):.1f} | {len(v)} |" for k, v in sorted(categories.items())]
    lines += [f"| {k} (duration) | {100 * _rate(v):.1f} | {len(v)} |" for k, v in durations.items()]
    if "m_avg" in summary:
        lines.append(f"| M-avg (task mean) | {100 * summary['m_avg']:.1f} | {len(categories)} |")
    lines.append(f"| **all** | {100 * accuracy:.1f} | {len(rows)} |")
    if errors:
        lines.append(f"\n{errors} item(s) could not be read in full (errors, not wrong answers)")
    summary["table"] = "\n".join(lines)
    return summary
