"""``videoscan run VIDEO --model M --question Q ...``: stream a video file and answer questions.

Contract: validates the arguments and the video before loading the model (fast failure), samples
the video at ``--fps`` (timestamps are the video's own), streams every sample through the engine
with a progress bar on stderr, then answers each question at the end. Unless
``--no-screen-text``, the text on the frames is read as they stream (``screen_text.offline``) and
each question is shown the most relevant of it. Prints ``Q:``/``A:`` pairs, or with ``--json`` one
JSON object on stdout (keys listed in ``report``, plus ``evidence_text`` per answer and
``screen_text``: every remembered line as ``{text, first_seen, last_seen}``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from ..config import POSITION_MODES
from ..errors import VideoScanError
from .model_flags import add_memory_flag, add_model_flags
from .progress import frame_progress


def add_parser(commands) -> None:
    parser = commands.add_parser("run", help="stream a video file and answer questions about it")
    parser.add_argument("video", help="video file (anything OpenCV/FFmpeg decodes)")
    add_model_flags(
        parser, quantize=True, vision_runtime=True, frame_tokens=True, answer_runtime=True
    )
    parser.add_argument(
        "--question",
        action="append",
        default=[],
        metavar="Q",
        help="question to answer after the stream (repeatable; later ones see the earlier "
        "answers, so follow-ups work). The bundled demo model's question forms are listed by "
        "'videoscan demo --help'",
    )
    parser.add_argument(
        "--question-audio",
        action="append",
        default=[],
        metavar="WAV",
        help="a spoken question (transcribed with faster-whisper; repeatable)",
    )
    parser.add_argument(
        "--speech-model",
        default="",
        help="faster-whisper model name or folder (default: bundled tiny.en)",
    )
    parser.add_argument("--language", default="en", help="spoken language, or 'auto' (en)")
    add_memory_flag(parser)
    parser.add_argument("--fps", type=float, default=1.0, help="frames sampled per second (1)")
    parser.add_argument(
        "--position-mode",
        choices=POSITION_MODES,
        default=None,
        help="RoPE positions of new tokens (default: compact, as the official code, for "
        "VideoScan-trained weights; sliding for untrained ones)",
    )
    parser.add_argument(
        "--keep-topk",
        type=int,
        default=0,
        metavar="K",
        help="VideoScan+: keep K visual entries per frame (default 0)",
    )
    parser.add_argument(
        "--recent-frames",
        type=int,
        default=None,
        metavar="R",
        help="keep the full tokens of the last R frames (default: 0 for VideoScan-trained "
        "weights, the family's training-free window for untrained ones)",
    )
    parser.add_argument(
        "--full-tokens", action="store_true", help="baseline: no carriers, keep every visual token"
    )
    parser.add_argument(
        "--closer-look",
        action="store_true",
        help="each question also sees the newest frame at a higher resolution (SmolVLM2: 2x2 "
        "tiles + the whole frame; Qwen-VL: up to 2,048 tokens); costs that many more vision "
        "passes and prefill tokens per question",
    )
    parser.add_argument(
        "--vision-batch",
        type=int,
        default=4,
        metavar="B",
        help="frames encoded per vision call (default 4; same answers, less time per frame)",
    )
    parser.add_argument("--max-new-tokens", type=int, default=128, help="answer length cap")
    parser.add_argument("--temperature", type=float, default=0.0, help="0 = greedy (default)")
    parser.add_argument(
        "--no-screen-text",
        action="store_true",
        help="do not read the text on the frames (by default it is read by OCR, remembered and "
        "shown to the model with each question)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)


def _validate(args: argparse.Namespace) -> None:
    from ..limits import check_numbers, check_text

    check_numbers(
        args.memory,
        args.fps,
        args.keep_topk,
        args.recent_frames or 0,
        args.vision_batch,
        args.device,
        args.quantize,
        args.dtype,
        args.frame_tokens,
    )
    if args.memory < 1:
        raise VideoScanError(f"--memory must be at least 1 (got {args.memory})")
    if not args.fps > 0:
        raise VideoScanError(f"--fps must be greater than 0 (got {args.fps})")
    if args.keep_topk < 0 or (args.recent_frames or 0) < 0:
        raise VideoScanError("--keep-topk and --recent-frames must be >= 0")
    if args.full_tokens and args.keep_topk:
        raise VideoScanError("--keep-topk needs carriers; drop --full-tokens")
    if args.max_new_tokens < 1:
        raise VideoScanError("--max-new-tokens must be at least 1")
    if args.vision_batch < 1:
        raise VideoScanError(f"--vision-batch must be at least 1 (got {args.vision_batch})")
    if args.temperature < 0:
        raise VideoScanError("--temperature must be >= 0")
    if not args.question and not args.question_audio:
        raise VideoScanError("give at least one --question or --question-audio")
    for question in args.question:
        check_text(question)
    for audio in args.question_audio:
        if Path(audio).is_dir():
            raise VideoScanError(f"{audio} is a folder, not an audio file")
        if not Path(audio).is_file():
            raise VideoScanError(f"audio file {audio} does not exist")


def run(args: argparse.Namespace) -> int:
    from ..config import EngineConfig, GenerationOptions
    from ..stream.frame_batches import stream_frames
    from ..video import ReadOutcome, probe_video, sample_frames

    _validate(args)
    info = probe_video(args.video)
    if args.question_audio:
        args.question = args.question + _transcribe(args)
    config = EngineConfig(
        memory_size=args.memory,
        position_mode=args.position_mode or "compact",
        keep_topk=args.keep_topk,
        recent_frames=args.recent_frames or 0,
        carrier=not args.full_tokens,
        device=args.device,
        dtype=args.dtype,
        vision_runtime=args.vision_runtime,
        answer_runtime=args.answer_runtime,
        closer_look=args.closer_look,
    )
    options = GenerationOptions(max_new_tokens=args.max_new_tokens, temperature=args.temperature)
    from ..stream.engine import StreamingEngine

    _status(args, f"loading model {args.model}")
    try:
        from ..adapters import load_model
        from ..adapters.presets import recommended_config
        from ..limits import check_against_model, check_question

        model = load_model(
            args.model, config.device, config.dtype, quantize=args.quantize,
            frame_tokens=args.frame_tokens,
        )  # fmt: skip
        given = {
            name
            for name, value in (
                ("position_mode", args.position_mode),
                ("recent_frames", args.recent_frames),
                ("keep_topk", args.keep_topk or None),
                ("carrier", True if args.full_tokens else None),
            )
            if value is not None
        }
        final = recommended_config(model, config, given)
        check_against_model(model, final)  # before the engine reserves its cache
        for question in args.question:
            check_question(model, question, final, args.max_new_tokens)
        engine = StreamingEngine(model, final)
        if engine.position_note:  # the positions would have passed the model's: what changed
            print(f"videoscan: {engine.position_note}", file=sys.stderr)
    except ValueError as error:  # e.g. CUDA requested on a machine without it
        raise VideoScanError(str(error)) from None
    frame_ms: list[float] = []
    from ..screen_text.offline import TextPass

    text = None if args.no_screen_text else TextPass(source=args.video)
    progress = frame_progress(info.expected_samples(args.fps), not args.no_progress)
    try:
        read = ReadOutcome()
        samples = sample_frames(args.video, args.fps, read)
        if text is not None:
            samples = text.tap(samples)
        for event in stream_frames(engine, samples, args.vision_batch):
            frame_ms.append(event.total_ms)
            if progress is not None:
                progress.set_postfix(memory=f"{event.carriers_retained}/{args.memory}")
                progress.update(1)
    finally:
        if progress is not None:
            progress.close()
    if read.stopped_early:  # answers still come, but from part of the video
        print(f"videoscan: warning: {read.stopped_early}", file=sys.stderr)
    if text is not None and text.error:
        print(f"videoscan: warning: {text.error}; answering without screen text", file=sys.stderr)
    shown = [text.for_question(question) if text else () for question in args.question]
    finals = [
        list(engine.ask(question, options, screen_text=blocks))[-1]
        for question, blocks in zip(args.question, shown, strict=True)
    ]
    answers = [chunk.answer for chunk in finals]
    evidence = [[round(t, 3) for t in chunk.evidence] for chunk in finals]
    _print_report(args, engine, answers, frame_ms, evidence, finals, text)
    return 0


def _transcribe(args: argparse.Namespace) -> list[str]:
    from ..voice.transcribe import SpeechOptions, Transcriber

    transcriber = Transcriber(
        SpeechOptions(model=args.speech_model, language=args.language, device=args.device or "auto")
    )
    questions = []
    for audio in args.question_audio:
        _status(args, f"transcribing {audio}")
        text = transcriber.transcribe(audio)
        if not text:
            raise VideoScanError(f"no speech found in {audio}")
        _status(args, f"heard: {text}")
        questions.append(text)
    return questions


def _status(args: argparse.Namespace, message: str) -> None:
    if not args.no_progress:
        print(f"videoscan: {message}", file=sys.stderr)


def report(
    engine,
    questions: list[str],
    answers: list[str],
    frame_ms: list[float],
    evidence: list[list[float]] | None = None,
) -> dict:
    """``evidence``: per answer, the times (s) of the memory entries it attended to most."""
    from ..process_stats import peak_rss_mb
    from ..stream import answer_runtime

    snapshot = engine.snapshot()
    return {
        "questions": questions,
        "answers": answers,
        "evidence": evidence if evidence is not None else [[] for _ in answers],
        "frames_seen": snapshot.frames_seen,
        "carriers_retained": snapshot.carriers_retained,
        "carrier_timestamps": [round(c.timestamp, 3) for c in snapshot.carriers],
        "memory_size": snapshot.capacity,
        "kv_cache_bytes": snapshot.kv_cache_bytes,
        "median_frame_ms": round(statistics.median(frame_ms), 3) if frame_ms else 0.0,
        "vision_runtime": _vision_runtime(engine),
        "answer_runtime": answer_runtime.active(engine.model),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def _vision_runtime(engine) -> str:
    """What ran the vision tower: "openvino-bf16", "openvino-f32" or "torch-f32"."""
    runtime = getattr(engine.model, "__dict__", {}).get("vision_runtime")
    return runtime.active if runtime is not None else "torch-f32"


def _print_report(
    args, engine, answers: list[str], frame_ms: list[float], evidence, finals=(), text=None
) -> None:
    from ..eval.answer_text import with_option_text
    from ..screen_text.report import evidence_note, seen_rows

    if args.json:
        data = report(engine, args.question, answers, frame_ms, evidence)
        data["evidence_text"] = [seen_rows(final.evidence_text) for final in finals]
        if text is not None:
            data["screen_text"], data["screen_text_error"] = seen_rows(text.lines()), text.error
        print(json.dumps(data))
        return
    notes = [evidence_note(final.evidence_text) for final in finals] or [""] * len(answers)
    for question, answer, times, note in zip(args.question, answers, evidence, notes, strict=True):
        seen = ", ".join(f"{t:g} s" for t in times)
        where = f"\n   (evidence at {seen})" if seen else ""
        print(f"Q: {question}\nA: {with_option_text(question, answer)}{where}{note}\n")
