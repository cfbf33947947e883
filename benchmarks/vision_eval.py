"""The synthetic benchmark (``videoscan eval synthetic``) with the vision tower on PyTorch float32
and on another vision runtime, one loaded model, one process: no loss allowed.

    python -m benchmarks.vision_eval --model videoscan-demo --videos 20 --variants m32 --json

Loads the model once, evaluates each variant with PyTorch float32 vision, attaches the runtime
(``--vision-runtime``, default openvino: the demo model's tower is small, so "auto" would keep it
on PyTorch) and evaluates again on the same videos. Reports both accuracies and ``agreement``: the
fraction of questions whose predicted answer text is identical.
"""

from __future__ import annotations

import argparse

from videoscan_core.adapters import load_model, vision_runtime
from videoscan_core.eval.benchmark import evaluate, position_variants, standard_variants

from . import common


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="videoscan-demo")
    parser.add_argument("--videos", type=int, default=20)
    parser.add_argument("--split", default="test", choices=["validation", "test"])
    parser.add_argument("--variants", default="m32", help="comma-separated keys")
    parser.add_argument("--vision-runtime", default="openvino", choices=["auto", "openvino"])
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    common.setup_threads(args.threads)
    model = load_model(args.model)
    known = {v.key: v for v in standard_variants() + position_variants()}
    variants = [known[key.strip()] for key in args.variants.split(",")]
    rows = []
    for variant in variants:
        vision_runtime.detach(model)
        reference = evaluate(model, variant, args.split, args.videos, keep_predictions=True)
        runtime = vision_runtime.attach(model, args.vision_runtime)
        other = evaluate(model, variant, args.split, args.videos, keep_predictions=True)
        same = sum(
            a["predicted"] == b["predicted"]
            for a, b in zip(reference.predictions, other.predictions, strict=True)
        )
        rows.append(
            {
                "variant": variant.key,
                "questions": reference.questions,
                "torch_accuracy": round(reference.accuracy, 4),
                "runtime": runtime.active,
                "runtime_accuracy": round(other.accuracy, 4),
                "runtime_rel_error": runtime.rel_error,
                "agreement": round(same / max(1, reference.questions), 4),
            }
        )
    vision_runtime.detach(model)
    result = {
        "benchmark": "vision_eval",
        "model": args.model,
        "split": args.split,
        "videos": args.videos,
        "results": rows,
    }
    text = "\n".join(
        f"{r['variant']}: torch-f32 {r['torch_accuracy']} vs {r['runtime']} "
        f"{r['runtime_accuracy']} ({r['questions']} questions, answers identical "
        f"{r['agreement']:.1%})"
        for r in rows
    )
    common.emit(result, args.json, text)


if __name__ == "__main__":
    main()
