"""Loaders and a streaming runner for public video-QA benchmarks.

Contract: ``load_items(format, annotation, video_folder)`` reads one annotation file into
``QAItem``s. Formats (the files each benchmark ships):
- ``mvbench``: a task JSON, ``[{"video", "question", "candidates", "answer"}]`` (answer = text);
- ``mlvu``: ``[{"video", "question", "candidates", "answer", "question_type"}]``;
- ``longvideobench``: ``[{"video_path", "question", "candidates", "correct_choice",
  "question_category"}]`` (correct_choice = index);
- ``videomme``: ``[{"videoID", "question", "options": ["A. ..", ..], "answer": "A",
  "task_type"}]`` (videos named ``<videoID>.mp4``);
- ``vstream``: open-ended streaming QA, ``[{"video", "question", "answer", "end_time"}]``: the
  question is asked when the stream reaches ``end_time`` seconds.
``run_public_benchmark`` streams every video once at ``fps`` through the engine with memory M,
asks each of its questions (streaming items at their time, others at the end), scores
multiple-choice answers by option letter and open-ended ones by normalised exact match and
token F1, writes per-item predictions (JSON lines) and returns a summary with a table.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import VideoReadError, VideoScanError
from .choice import LETTERS, mc_prompt, parse_choice


@dataclass
class QAItem:
    video: Path
    question: str
    options: list[str] | None  # None: open-ended
    answer: str  # a letter for multiple choice, the reference text otherwise
    category: str = ""
    ask_at: float | None = None  # seconds into the stream (streaming QA)
    style: str = "default"  # lmms-eval prompt layout (choice.mc_prompt)

    def prompt(self) -> str:
        if not self.options:
            return self.question
        return mc_prompt(self.question, self.options, self.style)


def _read(annotation: str | Path) -> list[dict]:
    path = Path(annotation)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise VideoReadError(f"cannot read annotations {path}: {error}") from None
    if isinstance(data, dict):  # some files wrap the list
        data = next((v for v in data.values() if isinstance(v, list)), [])
    return data


def _strip_letter(option: str) -> str:
    return re.sub(r"^\(?[A-J][.)]\s*", "", option.strip())


def load_items(
    fmt: str, annotation: str | Path, video_folder: str | Path | None = None
) -> list[QAItem]:
    folder = Path(video_folder) if video_folder else Path(annotation).parent
    items: list[QAItem] = []
    for row in _read(annotation):
        if fmt in ("mvbench", "mlvu"):
            options = list(row["candidates"])
            letter = LETTERS[options.index(row["answer"])]
            items.append(
                QAItem(
                    folder / row["video"],
                    row["question"],
                    options,
                    letter,
                    row.get("question_type", row.get("task", fmt)),
                    style="mlvu" if fmt == "mlvu" else "default",
                )
            )
        elif fmt == "longvideobench":
            options = list(row["candidates"])
            items.append(
                QAItem(
                    folder / row["video_path"],
                    row["question"],
                    options,
                    LETTERS[int(row["correct_choice"])],
                    str(row.get("question_category", row.get("duration_group", ""))),
                )
            )
        elif fmt == "videomme":
            options = [_strip_letter(option) for option in row["options"]]
            items.append(
                QAItem(
                    folder / f"{row['videoID']}.mp4",
                    row["question"],
                    options,
                    row["answer"].strip()[0].upper(),
                    row.get("task_type", row.get("duration", "")),
                    style="videomme",
                )
            )
        elif fmt == "vstream":
            end = row.get("end_time", row.get("answer_time"))
            items.append(
                QAItem(
                    folder / row.get("video", row.get("video_path", "")),
                    row["question"],
                    None,
                    row["answer"],
                    row.get("type", "open"),
                    float(end) if end is not None else None,
                )
            )
        else:
            raise VideoScanError(f"unknown benchmark format {fmt!r}")
    return items


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


def run_public_benchmark(
    fmt: str,
    model,
    annotation: str | Path,
    video_folder: str | Path | None = None,
    memory: int = 64,
    fps: float = 1.0,
    limit: int = 0,
    predictions_path: str | Path | None = None,
) -> dict:
    from ..config import EngineConfig, GenerationOptions
    from ..resources import peak_rss_mb
    from ..stream.engine import StreamingEngine
    from ..stream.frame_batches import stream_frames
    from ..video import sample_frames

    items = load_items(fmt, annotation, video_folder)[: limit or None]
    if not items:
        raise VideoScanError(f"{annotation} holds no questions")
    by_video: dict[Path, list[QAItem]] = defaultdict(list)
    for item in items:
        by_video[item.video].append(item)
    engine = StreamingEngine(model, EngineConfig(memory_size=memory))
    options = GenerationOptions(max_new_tokens=64)
    rows, frame_ms, frames = [], [], 0
    started = time.perf_counter()
    for video, questions in by_video.items():
        engine.reset()
        pending = sorted(questions, key=lambda q: (q.ask_at is None, q.ask_at or 0.0))
        try:
            for event in stream_frames(engine, sample_frames(video, fps)):
                frame_ms.append(event.total_ms)
                frames += 1
                timestamp = event.timestamp
                while pending and pending[0].ask_at is not None and pending[0].ask_at <= timestamp:
                    rows.append(_ask(engine, pending.pop(0), options, timestamp))
        except VideoReadError as error:
            rows += [{**_describe(q), "error": str(error), "correct": False} for q in pending]
            continue
        rows += [_ask(engine, q, options, engine.last_timestamp or 0.0) for q in pending]
    if predictions_path:
        with open(predictions_path, "w") as out:
            for row in rows:
                out.write(json.dumps(row) + "\n")
    return _summary(fmt, rows, frames, frame_ms, time.perf_counter() - started, peak_rss_mb())


def _describe(item: QAItem) -> dict:
    data = asdict(item)
    data["video"] = str(item.video)
    return data


def _ask(engine, item: QAItem, options, at: float) -> dict:
    chunks = list(engine.ask(item.prompt(), options))
    final = chunks[-1]
    return {
        **_describe(item),
        "asked_at": at,
        "prediction": final.answer,
        "ttft_ms": round(final.ttft_ms, 1),
        **score(item, final.answer),
    }


def _summary(fmt, rows, frames, frame_ms, seconds, peak_mb) -> dict:
    categories: dict[str, list[bool]] = defaultdict(list)
    for row in rows:
        categories[row["category"] or fmt].append(bool(row["correct"]))
    accuracy = sum(bool(r["correct"]) for r in rows) / len(rows)
    summary = {
        "benchmark": fmt,
        "items": len(rows),
        "accuracy": round(accuracy, 4),
        "per_category": {k: round(sum(v) / len(v), 4) for k, v in sorted(categories.items())},
        "frames": frames,
        "median_frame_ms": round(statistics.median(frame_ms), 2) if frame_ms else 0.0,
        "peak_rss_mb": round(peak_mb, 1),
        "seconds": round(seconds, 1),
        "errors": sum(1 for r in rows if "error" in r),
    }
    if any("f1" in r for r in rows):
        summary["f1"] = round(statistics.mean(r.get("f1", 0.0) for r in rows), 4)
    lines = ["| category | accuracy | items |", "|---|---|---|"]
    lines += [
        f"| {k} | {100 * sum(v) / len(v):.1f} | {len(v)} |" for k, v in sorted(categories.items())
    ]
    lines.append(f"| **all** | {100 * accuracy:.1f} | {len(rows)} |")
    summary["table"] = "\n".join(lines)
    return summary
