"""The synthetic benchmark (``videoscan eval synthetic``) answered by each answer runtime, one
loaded model, one process: which runtimes keep every greedy answer of PyTorch float32.

    python -m benchmarks.answer_eval --model videoscan-demo --videos 20 --variants m32 --json

Loads the model once; per variant evaluates with PyTorch float32 answering, then with each runtime
(``--runtimes``, default every one this CPU runs; ``videoscan_core/stream/answer_runtime.py``) on
the same videos. Frames always stream on PyTorch float32, so the answers differ only by the
answer runtime. Reports each accuracy and ``agreement``: the fraction of questions whose predicted
answer text is identical to float32's; ``greedy_equal`` is agreement == 1.
"""

from __future__ import annotations

import argparse

from videoscan_core.adapters import load_model
from videoscan_core.eval.benchmark import evaluate, position_variants, standard_variants
from videoscan_core.stream import answer_runtime

from . import common
from .answer_latency import available_runtimes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="videoscan-demo")
    parser.add_argument("--videos", type=int, default=20)
    parser.add_argument("--split", default="test", choices=["validation", "test"])
    parser.add_argument("--variants", default="m32", help="comma-separated keys")
    parser.add_argument("--runtimes", default="", help="comma-separated (default: all here)")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    common.setup_threads(args.threads)
    model = load_model(args.model, device="cpu", dtype="float32")
    known = {v.key: v for v in standard_variants() + position_variants()}
    variants = [known[key.strip()] for key in args.variants.split(",")]
    names = args.runtimes.split(",") if args.runtimes else available_runtimes(model)
    names = [name for name in names if name != "torch"]
    rows = []
    for variant in variants:
        answer_runtime.detach(model)
        reference = evaluate(model, variant, args.split, args.videos, keep_predictions=True)
        for name in names:
            runtime = answer_runtime.attach(model, name)
            other = evaluate(model, variant, args.split, args.videos, keep_predictions=True)
            answer_runtime.detach(model)
            same = sum(
                a["predicted"] == b["predicted"]
                for a, b in zip(reference.predictions, other.predictions, strict=True)
            )
            agreement = same / max(1, reference.questions)
            rows.append({
                "variant": variant.key,
                "questions": reference.questions,
                "torch_accuracy": round(reference.accuracy, 4),
                "runtime": runtime.name,
                "runtime_accuracy": round(other.accuracy, 4),
                "agreement": round(agreement, 4),
                "greedy_equal": same == reference.questions,
            })
    result = {"benchmark": "answer_eval", "model": args.model, "split": args.split,
              "videos": args.videos, "results": rows}
    text = "\n".join(
        f"{r['variant']}: torch-f32 {r['torch_accuracy']} vs {r['runtime']} "
        f"{r['runtime_accuracy']} ({r['questions']} questions, answers identical "
        f"{r['agreement']:.1%})"
        for r in rows
    )
    common.emit(result, args.json, text)


if __name__ == "__main__":
    main()
