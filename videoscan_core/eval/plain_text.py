"""Does a model trained here still answer general questions as its base language model does?

    python -m videoscan_core.eval.plain_text MODEL_FOLDER [--base FOLDER] [--frames 8]
        [--limit N] [--json]

Contract: for each general question (``train.demo_data.general_questions`` and the held-out
``HELD_OUT``), the engine's greedy answer with nothing remembered (LoRA off: ``plain_text``) is
compared with ``LlamaForCausalLM.generate`` of the base model on SmolLM2's own chat prompt with
the same system prompt: ``equal`` counts exact matches (issue 22 wants all of them). With
``--frames N`` it also asks each question after N synthetic frames (LoRA on) and counts answers
equal to the base model's (``equal_with_frames``: how much self-distillation kept). One JSON
object with ``--json``.
"""

from __future__ import annotations

import argparse
import json
import sys

HELD_OUT = ("What is the capital of Portugal?", "What is 11 plus 6?", "How many legs does a cat "
            "have?", "How do you spell the word apple?", "What is the largest ocean?")


def base_answer(lm, tokenizer, system: str, question: str, max_new_tokens: int) -> str:
    import torch

    messages = [{"role": "system", "content": system}, {"role": "user", "content": question}]
    ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True,
                                        return_tensors="pt", return_dict=True)["input_ids"]
    with torch.no_grad():
        out = lm.generate(ids, max_new_tokens=max_new_tokens, do_sample=False)
    return tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True).strip()


def check(model: str, base: str | None, frames: int, max_new_tokens: int = 48,
          limit: int = 0) -> dict:
    from transformers import AutoTokenizer, LlamaForCausalLM

    from ..adapters import load_model
    from ..config import EngineConfig, GenerationOptions
    from ..smollm2 import base_lm_folder
    from ..stream.engine import StreamingEngine
    from ..train.demo_data import general_questions
    from .synthetic import make_video, split_seeds

    folder = base or base_lm_folder()
    lm = LlamaForCausalLM.from_pretrained(folder).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    vlm = load_model(model, device="cpu", dtype="float32")
    config = EngineConfig(device="cpu")
    options = GenerationOptions(max_new_tokens=max_new_tokens)
    questions = [*general_questions(), *HELD_OUT][-limit if limit else 0 :]
    rows = []
    for index, question in enumerate(questions):
        expected = base_answer(lm, tokenizer, config.system_prompt, question, max_new_tokens)
        engine = StreamingEngine(vlm, config)
        row = {"question": question, "base": expected,
               "plain": engine.answer(question, options)}
        if frames:
            video = make_video(split_seeds("test", 1, index)[0])
            for frame, stamp in list(zip(video.frames, video.timestamps, strict=True))[:frames]:
                engine.add_frame(frame, stamp)
            row["with_frames"] = engine.answer(question, options)
        rows.append(row)
    return {
        "questions": len(rows),
        "equal": sum(r["plain"] == r["base"] for r in rows),
        "equal_with_frames": sum(r.get("with_frames") == r["base"] for r in rows) if frames
        else None,
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m videoscan_core.eval.plain_text")
    parser.add_argument("model")
    parser.add_argument("--base", help="converted SmolLM2 folder (default: set-up's)")
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--limit", type=int, default=0, help="only the last N questions")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = check(args.model, args.base, args.frames, limit=args.limit)
    if args.json:
        sys.stdout.write(json.dumps(result) + "\n")
    else:
        sys.stdout.write(f"{result['equal']}/{result['questions']} equal with nothing seen; "
                         f"{result['equal_with_frames']} equal after {args.frames} frames\n")
    return 0 if result["equal"] == result["questions"] else 1


if __name__ == "__main__":
    sys.exit(main())
