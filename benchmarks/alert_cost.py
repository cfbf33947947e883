"""Alert cost: scoring one condition per frame as a fraction of a frame step (M=64, bank full).

A condition is scored with one yes/no question prefill over the current cache whose entries are
then rolled back (``stream.conditions.score_condition``). Through the engine, the benchmark
alternates a real frame step (``add_frame``: vision + prefill + cache cut) and one condition score
on an engine whose bank holds M=64 carriers, and reports the median condition time over the median
frame step (``condition_over_frame``; asked without the time instruction, as the watcher does;
``condition_with_times_over_frame`` with it) and over the frame's language-model part only
(``condition_over_frame_lm``, the fraction that stays when the vision tower runs on a GPU).

Geometries the benchmarks know (``benchmarks.geometries``) run through the engine.
``smolvlm2-256m-bare``, for when no SmolVLM2 geometry is available there, times the same work on
bare transformers modules of SmolVLM2-256M's shapes (docs/model-families.md): SigLIP 512/16,
width 768, 12 layers + pixel shuffle x4 + Linear(12288 -> 576) for the 64 frame tokens; a Llama
text model of width 576, 30 layers, 9 heads, 3 KV heads, vocabulary 49,280 prefilling 64 + 1 frame
tokens (step) or the condition question (score) over a cache of S + M entries.

    python -m benchmarks.alert_cost [--geometry NAME] [--quick] [--json]
"""

from __future__ import annotations

import argparse
import time

import torch

from videoscan_core.config import EngineConfig
from videoscan_core.stream.conditions import condition_question, score_condition
from videoscan_core.stream.engine import StreamingEngine

from . import common, geometries

CONDITION = "a red circle appears on the screen"
MEMORY = 64
BARE = "smolvlm2-256m-bare"


def fill(engine, frames: int) -> None:
    """Stream ``frames`` frames of random visual tokens (the language model runs for real; the
    vision tower is skipped, its output does not change the cost of what follows)."""
    model = engine.model
    generator = torch.Generator().manual_seed(0)
    for index in range(frames):
        visual = torch.randn(1, model.tokens_per_frame, model.hidden_size, generator=generator)
        engine.add_visual_tokens(visual, float(index))


def through_engine(name: str, repeats: int) -> dict:
    model = geometries.build(name)
    engine = StreamingEngine(model, EngineConfig(memory_size=MEMORY))
    fill(engine, MEMORY + 8)  # the bank is full: every step evicts one carrier
    frame = common.random_frame(model)
    timestamp = float(MEMORY + 8)
    steps, lm_parts, scores, timed_scores = [], [], [], []
    for i in range(repeats + 1):  # the first round warms up
        event = engine.add_frame(frame, timestamp + i)
        elapsed = common.timed(lambda: score_condition(engine, CONDITION), 1, warmup=0)[0]
        with_times = common.timed(
            lambda: score_condition(engine, CONDITION, with_times=True), 1, warmup=0
        )[0]
        if i:
            steps.append(event.total_ms)
            lm_parts.append(event.prefill_ms + event.surgery_ms)
            scores.append(elapsed)
            timed_scores.append(with_times)
    question = condition_question(CONDITION)
    tokens_with_times = int(model.tokenize(engine.question_prompt(question)).shape[1])
    question_tokens = int(
        model.tokenize(engine.question_prompt(question, with_times=False)).shape[1]
    )
    return {
        "path": "engine",
        "frame_step_ms": common.median(steps),
        "frame_lm_ms": common.median(lm_parts),
        "condition_ms": common.median(scores),
        "condition_with_times_ms": common.median(timed_scores),
        "cache_entries": engine.cache.length,
        "question_tokens": question_tokens,
        "question_tokens_with_times": tokens_with_times,
        "tokens_per_frame": model.tokens_per_frame,
    }


@torch.inference_mode()
def bare_smolvlm(repeats: int) -> dict:
    from transformers import (
        DynamicCache,
        LlamaConfig,
        LlamaModel,
        SiglipVisionConfig,
        SiglipVisionModel,
    )

    torch.manual_seed(0)
    vision = SiglipVisionModel(
        SiglipVisionConfig(
            image_size=512, patch_size=16, hidden_size=768, intermediate_size=3072,
            num_hidden_layers=12, num_attention_heads=12,
        )
    ).eval()  # fmt: skip
    connector = torch.nn.Linear(768 * 16, 576, bias=False)
    text = LlamaModel(
        LlamaConfig(
            vocab_size=49280, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
            num_attention_heads=9, num_key_value_heads=3, head_dim=64, rope_theta=100000.0,
        )
    ).eval()  # fmt: skip
    head = torch.nn.Linear(576, 49280, bias=False)
    system, question = 40, 30  # SmolVLM2's system/intro text and a templated condition question
    cached = system + MEMORY

    def prefill(tokens: int) -> torch.Tensor:
        cache = DynamicCache()
        for layer in range(30):
            keys = torch.zeros(1, 3, cached, 64)
            cache.update(keys, keys.clone(), layer)
        started = time.perf_counter()
        hidden = text(
            inputs_embeds=torch.randn(1, tokens, 576),
            position_ids=torch.arange(cached, cached + tokens)[None],
            past_key_values=cache,
            use_cache=True,
        ).last_hidden_state
        head(hidden[:, -1])
        return (time.perf_counter() - started) * 1000

    def encode() -> float:
        started = time.perf_counter()
        patches = vision(pixel_values=torch.randn(1, 3, 512, 512)).last_hidden_state  # [1,1024,768]
        grid = patches.view(1, 8, 4, 8, 4, 768).permute(0, 1, 3, 2, 4, 5)  # pixel shuffle x4
        connector(grid.reshape(1, 64, 768 * 16))  # [1, 64, 576]
        return (time.perf_counter() - started) * 1000

    steps, lm_parts, scores = [], [], []
    for i in range(repeats + 1):
        vision_ms, lm_ms, score_ms = encode(), prefill(MEMORY + 1), prefill(question)
        if i:
            steps.append(vision_ms + lm_ms)
            lm_parts.append(lm_ms)
            scores.append(score_ms)
    return {
        "path": "bare transformers modules (no engine)",
        "frame_step_ms": common.median(steps),
        "frame_lm_ms": common.median(lm_parts),
        "condition_ms": common.median(scores),
        "cache_entries": cached,
        "question_tokens": question,
        "tokens_per_frame": 64,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--geometry", choices=[*geometries.GEOMETRIES, BARE], default="tiny")
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0 = default)")
    args = parser.parse_args()
    common.setup_threads(args.threads)
    repeats = 3 if args.quick else 10
    row = bare_smolvlm(repeats) if args.geometry == BARE else through_engine(args.geometry, repeats)
    result = {
        "benchmark": "alert_cost",
        "geometry": args.geometry,
        "memory": MEMORY,
        "repeats": repeats,
        **row,
        "condition_over_frame": round(row["condition_ms"] / row["frame_step_ms"], 4),
        "condition_over_frame_lm": round(row["condition_ms"] / row["frame_lm_ms"], 4),
    }
    if "condition_with_times_ms" in row:
        result["condition_with_times_over_frame"] = round(
            row["condition_with_times_ms"] / row["frame_step_ms"], 4
        )
    table = (
        f"{args.geometry} ({row['path']}), M={MEMORY}: frame step {row['frame_step_ms']:.1f} ms "
        f"(language model {row['frame_lm_ms']:.1f} ms), one condition {row['condition_ms']:.1f} ms "
        f"({row['question_tokens']} question tokens over {row['cache_entries']} cached entries)\n"
        f"condition / frame step: {result['condition_over_frame']:.3f}; "
        f"condition / frame language-model part: {result['condition_over_frame_lm']:.3f}"
    )
    if "condition_with_times_ms" in row:
        table += (
            f"\nwith the time instruction ({row['question_tokens_with_times']} tokens): "
            f"{row['condition_with_times_ms']:.1f} ms, "
            f"{result['condition_with_times_over_frame']:.3f} of a frame step"
        )
    common.emit(result, args.json, table)


if __name__ == "__main__":
    main()
