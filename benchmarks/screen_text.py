"""Screen text on desktop recordings: OCR line recall, first_seen error, answers with and without
the text memory (the SmolLM2 test model), OCR time per changed frame and its share of one core.

The recordings are drawn by ``screen_text_scenes`` (fixed seeds; 120 s at 1 FPS; 1280x720 and
1920x1080) and written as mp4 like a screen recorder would. Reading goes through the same code
as ``videoscan run`` (``screen_text.offline.TextPass``: change detector, changed regions, every
changed frame); each changed frame is read a second time as a whole frame to compare the cost.
CPU time is the reading thread's own (``time.thread_time``), so the share is of one core.

    python -m benchmarks.screen_text [--quick] [--no-answers] [--model FOLDER] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from pathlib import Path

from videoscan_core.screen_text.memory import line_key
from videoscan_core.screen_text.offline import TextPass
from videoscan_core.screen_text.reading import read_frame
from videoscan_core.video import sample_frames

from .screen_text_scenes import make_scene, write

SCENES = [(1, (1280, 720)), (2, (1280, 720)), (3, (1920, 1080)), (4, (1920, 1080))]
MIN_PX = 12
PERIOD_S = 1.0  # one capture period at 1 FPS


def read_recording(path: Path, compare_whole: bool) -> dict:
    """Read a recording as ``videoscan run`` does; OCR times (CPU of this thread) per frame."""
    text = TextPass(source=str(path))
    text.engine.warm_up()
    regions_cpu, whole_cpu, frames, total_cpu = [], [], 0, 0.0
    for timestamp, rgb in sample_frames(path, 1.0):
        frames += 1
        started = time.thread_time()
        reading = text.feed(rgb, timestamp)
        spent = time.thread_time() - started
        total_cpu += spent  # change detection, OCR, the memory: all a live session would spend
        if reading is None:
            continue
        if not reading.whole:
            regions_cpu.append(spent)
            if compare_whole:
                started = time.thread_time()
                read_frame(text.engine, rgb, None)
                whole_cpu.append(time.thread_time() - started)
        elif compare_whole:
            whole_cpu.append(spent)
    return {
        "text": text,
        "frames": frames,
        "regions_cpu": regions_cpu,
        "whole_cpu": whole_cpu,
        "total_cpu": total_cpu,
    }


def score_lines(truth: dict, text: TextPass) -> dict:
    remembered: dict[str, float] = {}
    for line in text.lines():
        key = line_key(line.text)
        remembered[key] = min(remembered.get(key, line.first_seen), line.first_seen)
    firsts: dict[str, float] = {}
    for line_text, px, first, _ in truth.values():
        if px >= MIN_PX:
            key = line_key(line_text)
            firsts[key] = min(firsts.get(key, first), first)
    found = [key for key in firsts if key in remembered]
    errors = [abs(remembered[key] - firsts[key]) for key in found]
    return {
        "lines": len(firsts),
        "recalled": len(found),
        "missed": sorted(key for key in firsts if key not in remembered)[:20],
        "first_seen_errors": errors,
    }


def said(expected: str, reply: str) -> bool:
    """The expected value appears in the reply as a whole (case ignored): "9" in "code 9", not
    in "19"."""
    return re.search(rf"(?<!\w){re.escape(expected.lower())}(?!\w)", reply.lower()) is not None


def answer(model_dir: Path, path: Path, scene, text: TextPass) -> list[dict]:
    from videoscan_core.adapters import load_model
    from videoscan_core.adapters.presets import recommended_config
    from videoscan_core.config import GenerationOptions
    from videoscan_core.stream.engine import StreamingEngine
    from videoscan_core.stream.frame_batches import stream_frames

    model = load_model(model_dir, device="cpu")
    engine = StreamingEngine(model, recommended_config(model))
    for _ in stream_frames(engine, sample_frames(path, 1.0), 4):
        pass
    options = GenerationOptions(max_new_tokens=24)
    rows = []
    for question in scene.questions:
        asked = {}
        for mode, shown in (("with", text.for_question(question.text)), ("without", ())):
            chunks = engine.ask(
                question.text, options, use_history=False, remember=False, screen_text=shown
            )
            reply = list(chunks)[-1].answer
            right = any(said(a, reply) for a in question.answers)
            asked[mode] = {"answer": reply, "right": right}
        rows.append({"question": question.text, "expected": question.answers[0], **asked})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one 60 s recording at 1280x720")
    parser.add_argument("--no-answers", action="store_true", help="OCR figures only")
    parser.add_argument("--model", default=None, help="default: the SmolLM2 test model")
    parser.add_argument("--out", default=None, help="keep the recordings in this folder")
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    args = parser.parse_args()
    model_dir = None
    if not args.no_answers:
        from videoscan_core.smollm2_vlm import test_model_folder

        model_dir = Path(args.model) if args.model else test_model_folder()
        if model_dir is None:
            raise SystemExit("no SmolLM2 test model: run scripts/setup.sh, or use --no-answers")
    scenes = [(1, (1280, 720))] if args.quick else SCENES
    seconds = 60 if args.quick else 120
    folder = Path(args.out or tempfile.mkdtemp(prefix="screen-text-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    for seed, size in scenes:
        scene = make_scene(seed, size, seconds)
        path = folder / f"desktop-{seed}-{size[0]}x{size[1]}.mp4"
        truth = write(scene, path)
        read = read_recording(path, compare_whole=True)
        result = {
            "seed": seed,
            "size": f"{size[0]}x{size[1]}",
            "seconds": seconds,
            "frames_read": len(read["text"].readings),
            "frames": read["frames"],
            **score_lines(truth, read["text"]),
            "regions_cpu_s": read["regions_cpu"],
            "whole_cpu_s": read["whole_cpu"],
            "session_cpu_s": read["total_cpu"],
        }
        if model_dir is not None:
            result["answers"] = answer(model_dir, path, scene, read["text"])
        results.append(result)
        print(summary([result]), flush=True)
    report = {"benchmark": "screen_text", "recordings": results, "total": totals(results)}
    print(summary(results, "all recordings"))
    if args.json:
        print(json.dumps(report))


def totals(results: list[dict]) -> dict:
    errors = [e for r in results for e in r["first_seen_errors"]]
    regions = [s for r in results for s in r["regions_cpu_s"]]
    whole = [s for r in results for s in r["whole_cpu_s"]]
    seconds = sum(r["seconds"] for r in results)
    out = {
        "line_recall": sum(r["recalled"] for r in results)
        / max(1, sum(r["lines"] for r in results)),
        "first_seen_within_period": sum(e <= PERIOD_S for e in errors) / max(1, len(errors)),
        "first_seen_error_max_s": max(errors, default=0.0),
        "ocr_ms_per_changed_frame_regions": 1000 * statistics.mean(regions) if regions else 0.0,
        "ocr_ms_per_changed_frame_whole": 1000 * statistics.mean(whole) if whole else 0.0,
        "ocr_cpu_share_of_one_core": sum(r["session_cpu_s"] for r in results) / max(1, seconds),
        "changed_frames_per_minute": 60 * len(regions) / max(1, seconds),
    }
    asked = [row for r in results for row in r.get("answers", [])]
    if asked:
        out["answers_right_with_text"] = sum(row["with"]["right"] for row in asked) / len(asked)
        out["answers_right_without_text"] = sum(row["without"]["right"] for row in asked) / len(
            asked
        )
        out["questions"] = len(asked)
    return out


def summary(results: list[dict], label: str | None = None) -> str:
    t = totals(results)
    label = label or f"{results[0]['size']} seed {results[0]['seed']}"
    text = (
        f"{label}: line recall {100 * t['line_recall']:.1f}% (>= {MIN_PX} px), first_seen "
        f"within {PERIOD_S:g} s {100 * t['first_seen_within_period']:.0f}% (max "
        f"{t['first_seen_error_max_s']:.1f} s); OCR per changed frame "
        f"{t['ocr_ms_per_changed_frame_regions']:.0f} ms regions vs "
        f"{t['ocr_ms_per_changed_frame_whole']:.0f} ms whole, "
        f"{100 * t['ocr_cpu_share_of_one_core']:.1f}% of one core"
    )
    if "questions" in t:
        text += (
            f"; answers right {100 * t['answers_right_with_text']:.0f}% with text memory, "
            f"{100 * t['answers_right_without_text']:.0f}% without "
            f"({t['questions']} questions)"
        )
    return text


if __name__ == "__main__":
    main()
