"""``videoscan demo [--seed S] [--videos K] [--words W] [--json]``: the demo model on fresh
synthetic videos. Prints each question with its options and the model's answer (a letter with
its option's text, or words), marked correct or wrong, then the accuracies."""

from __future__ import annotations

import argparse
import json

from ..errors import ModelNotFoundError


def question_forms() -> str:
    """The demo model's question forms, for help texts."""
    from ..eval.synthetic_words import CANNOT_ANSWER, EXAMPLE_QUESTIONS

    lines = "\n".join(f"  {question}" for question in EXAMPLE_QUESTIONS)
    return (
        "questions the demo model answers (about the shapes in its synthetic videos):\n"
        f"{lines}\n"
        "  tell-me-when conditions: 'when a red shape appears' (videoscan watch --when ...)\n"
        f"anything else gets: {CANNOT_ANSWER}"
    )


def add_parser(commands) -> None:
    import argparse

    parser = commands.add_parser(
        "demo",
        help="stream fresh synthetic videos through the demo model and score its answers",
        epilog=question_forms()
        + "\n\nTry it on a video file:\n  videoscan demo --write-video demo.mp4\n"
        "  videoscan run demo.mp4 --model videoscan-demo "
        '--question "What is on the screen now?"',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seed", type=int, default=0, help="which videos (default 0)")
    parser.add_argument("--videos", type=int, default=5, help="how many videos (default 5)")
    parser.add_argument("--model", help="model folder (default: the bundled demo model)")
    parser.add_argument("--memory", type=int, default=16, help="carriers kept, M (default 16)")
    parser.add_argument(
        "--words",
        type=int,
        default=4,
        help="free-form questions per video, answered in words (default 4; 0: none)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--write-video",
        metavar="MP4",
        help="only write the synthetic test video --seed as MP4 (enlarged), for 'videoscan run'",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..adapters import load_model
    from ..eval.demo import run_demo
    from ..paths import bundled_demo_model
    from .failure import fail

    if args.videos < 1 or args.memory < 1:
        return fail("--videos and --memory must be at least 1")
    if args.words < 0:
        return fail("--words must be at least 0")
    if args.write_video:
        from ..eval.demo import write_demo_video

        print(write_demo_video(args.write_video, seed=args.seed))
        return 0
    source = args.model or bundled_demo_model()
    if source is None:
        raise ModelNotFoundError(
            "the demo model is missing: run scripts/setup.sh once with network access (it "
            "assembles videoscan-demo), or pass --model"
        )
    model = load_model(source, device="cpu", dtype="float32")

    def show(answer, video) -> None:
        if not args.json:
            _show(answer, video)

    result = run_demo(model, args.seed, args.videos, args.memory, show, args.words)
    summary = result.to_json()
    if args.json:
        print(json.dumps(summary))
        return 0
    kinds = ", ".join(
        f"{k} {100 * v:.0f}%" for k, v in summary["per_type"].items() if v is not None
    )
    print(
        f"\nmultiple choice: {100 * summary['accuracy']:.1f}% of {summary['questions']} "
        f"questions ({kinds})"
    )
    if summary["word_questions"]:
        print(
            f"answers in words: {100 * summary['word_accuracy']:.1f}% of "
            f"{summary['word_questions']} questions"
        )
    return 0


def _show(answer, video) -> None:
    from ..eval.answer_text import parse_options, with_option_text

    if answer.kind == "now" and not answer.words:  # the first question asked about a video
        print(
            f"\nvideo {answer.video}: {len(video.frames)} frames, "
            f"{', '.join(e.name for e in video.events)}"
        )
    question, options = answer.question, parse_options(answer.question)
    print(f"  Q: {question.split(' Options:')[0]}")
    for earlier, said in answer.history:
        print(f'     (follow-up to "{earlier}", answered "{said}")')
    if options:
        print("     " + "  ".join(f"({letter}) {text}" for letter, text in options.items()))
        predicted = with_option_text(question, answer.predicted.strip()) or "(nothing)"
        expected = with_option_text(question, answer.expected)
    else:
        predicted, expected = answer.predicted.strip() or "(nothing)", answer.expected
    mark = "correct" if answer.correct else f"wrong, expected: {expected}"
    print(f"     -> {predicted}   [{mark}]")
