"""Answer latency: time to first token and per-token decode, VideoScan memory vs full tokens.

VideoScan with M=64 and M=128 carriers (bank full) against full-token caches after 64 and 128
frames. Also the ratio of VideoScan's time to first token (M=64) over a bare transformers prefill
of the same question tokens over a DynamicCache of S+M entries.

    python -m benchmarks.answer_latency [--geometry tiny|small|ov-0.5b] [--quick] [--json]
"""

from __future__ import annotations

import time

import torch
from transformers import DynamicCache

from videoscan_core.config import EngineConfig, GenerationOptions
from videoscan_core.stream.engine import StreamingEngine

from . import common, geometries

QUESTION = "What was on the screen a minute ago, and what changed since then?"
TOKENS = 32


def latency(engine, repeats: int) -> dict:
    options = GenerationOptions(max_new_tokens=TOKENS)
    firsts, per_token = [], []
    for _ in range(repeats + 1):
        chunks = list(engine.ask(QUESTION, options))
        last = chunks[-1]
        firsts.append(last.ttft_ms)
        per_token.append((last.total_ms - last.ttft_ms) / max(1, last.tokens - 1))
    return {
        "ttft_ms": common.median(firsts[1:]),
        "decode_ms_per_token": common.median(per_token[1:]),
        "cache_entries": engine.cache.length,
    }


@torch.inference_mode()
def bare_ttft_ms(engine, repeats: int) -> float:
    model = engine.model
    ids = model.tokenize(engine.question_prompt(QUESTION))
    entries = engine.cache.length
    times = []
    for i in range(repeats + 1):
        cache = DynamicCache()
        for layer in range(model.num_layers):
            shape = (1, model.num_kv_heads, entries, model.head_dim)
            cache.update(torch.zeros(shape), torch.zeros(shape), layer)
        started = time.perf_counter()
        positions = torch.arange(entries, entries + ids.shape[1])[None]
        hidden = model.decoder(
            inputs_embeds=model.embed(ids),
            position_ids=positions,
            past_key_values=cache,
            use_cache=True,
        ).last_hidden_state
        int(torch.argmax(model.lm_head(hidden[:, -1])))
        if i:
            times.append((time.perf_counter() - started) * 1000)
    return common.median(times)


def main() -> None:
    args = common.parser(__doc__.splitlines()[0]).parse_args()
    common.setup_threads(args.threads)
    repeats = 1 if args.quick or args.geometry in ("ov-0.5b", "qwen2.5-vl-3b", "qwen3-vl-2b") else 3
    model = geometries.build(args.geometry)
    cases = {
        "videoscan M=64": (EngineConfig(memory_size=64), 200),
        "videoscan M=128": (EngineConfig(memory_size=128), 200),
        "full t=64": (EngineConfig(carrier=False, memory_size=None), 64),
        "full t=128": (EngineConfig(carrier=False, memory_size=None), 128),
    }
    rows, engines = {}, {}
    for name, (config, history) in cases.items():
        engine = StreamingEngine(model, config)
        common.fill_history(engine, history)
        engine.config = engine.config.replace(time_instruction=False)  # same question length
        rows[name] = latency(engine, repeats)
        engines[name] = engine
    bare = bare_ttft_ms(engines["videoscan M=64"], repeats)
    vs = rows["videoscan M=64"]
    result = {
        "benchmark": "answer_latency",
        "geometry": args.geometry,
        "tokens": TOKENS,
        "rows": rows,
        "bare_ttft_ms": bare,
        "ttft_over_bare_prefill": round(vs["ttft_ms"] / bare, 4),
        "full128_over_videoscan64_ttft": round(rows["full t=128"]["ttft_ms"] / vs["ttft_ms"], 3),
        "full128_over_videoscan64_decode": round(
            rows["full t=128"]["decode_ms_per_token"] / vs["decode_ms_per_token"], 3
        ),
    }
    lines = ["| cache | entries | TTFT ms | decode ms/token |", "|---|---|---|---|"]
    lines += [
        f"| {name} | {r['cache_entries']} | {r['ttft_ms']:.1f} | {r['decode_ms_per_token']:.2f} |"
        for name, r in rows.items()
    ]
    lines += [
        "",
        f"TTFT (M=64) / bare prefill: {result['ttft_over_bare_prefill']}",
        f"full t=128 / VideoScan M=64: TTFT {result['full128_over_videoscan64_ttft']}x, "
        f"decode {result['full128_over_videoscan64_decode']}x",
    ]
    common.emit(result, args.json, "\n".join(lines))


if __name__ == "__main__":
    main()
