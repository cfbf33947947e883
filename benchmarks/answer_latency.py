"""Answer latency: time to first token and decoding speed, per answer runtime and per cache.

VideoScan with M=64 and M=128 carriers (bank full) against full-token caches after 64 and 128
frames (fewer where the model's position limit comes first: ``full_frames``), with the question
after ``--context-tokens`` tokens of text (as the screen-text memory puts before a question).
Also the ratio of VideoScan's time to first token (M=64) over a bare transformers prefill of the
same question tokens over a DynamicCache of S+M entries.

Answer runtimes (``videoscan_core/stream/answer_runtime.py``; ``--runtimes``, default every one this
CPU runs): each answers on the same M=64 engine; per runtime ``ttft_ms``, ``decode_tokens_per_s``,
the relative L2 error of its first-token logits against PyTorch float32 (``logits_rel_error``),
whether the first token and the whole greedy answer equal float32's. The top-level ``ttft_ms`` and
``decode_tokens_per_s`` are the default runtime's (what ``auto`` picks on this CPU: ``default``);
``fastest_exact`` names the fastest runtime whose greedy answer equals float32's.

    python -m benchmarks.answer_latency [--geometry tiny|small|ov-0.5b|smolvlm2-256m|...]
        [--context-tokens 300] [--runtimes torch,bf16,int8,openvino] [--quick] [--json]
        [--device cuda --dtype bfloat16]
"""

from __future__ import annotations

import time

import torch
from transformers import DynamicCache

from videoscan_core.adapters.vision_runtime import cpu_flags, openvino_available
from videoscan_core.config import EngineConfig, GenerationOptions
from videoscan_core.stream import answer_runtime
from videoscan_core.stream.engine import StreamingEngine

from . import common, geometries

QUESTION = "What was on the screen a minute ago, and what changed since then?"
TOKENS = 32
FILLER = ("The terminal shows a build log; line 42 reads error: missing semicolon in main.c. "
          "The browser tab is titled Quarterly report - Sales 2024 and the chat says lunch at 1. ")


def question_with_context(model, tokens: int) -> str:
    """``QUESTION`` after about ``tokens`` tokens of screen-like text."""
    if tokens <= 0:
        return QUESTION
    filler = FILLER * (1 + tokens // 20)
    ids = model.tokenize(filler)[0, :tokens].tolist()
    return "Text on the screen:\n" + model.decode(ids) + "\n" + QUESTION


def latency(engine, question: str, repeats: int) -> dict:
    options = GenerationOptions(max_new_tokens=TOKENS)
    firsts, per_token, answers = [], [], []
    for _ in range(repeats + 1):
        chunks = list(engine.ask(question, options, use_history=False, remember=False))
        last = chunks[-1]
        firsts.append(last.ttft_ms)
        per_token.append((last.total_ms - last.ttft_ms) / max(1, last.tokens - 1))
        answers.append(last.answer)
    decode_ms = common.median(per_token[1:])
    return {
        "ttft_ms": round(common.median(firsts[1:]), 2),
        "decode_ms_per_token": round(decode_ms, 3),
        "decode_tokens_per_s": round(1000 / decode_ms, 2) if decode_ms > 0 else None,
        "cache_entries": engine.cache.length,
        "answer": answers[-1],
    }


@torch.inference_mode()
def bare_ttft_ms(engine, question: str, repeats: int) -> float:
    model = engine.model
    ids = model.tokenize(engine.question_prompt(question, use_history=False))
    entries = engine.cache.length
    times = []
    for i in range(repeats + 1):
        cache = DynamicCache()
        for layer in range(model.num_layers):
            shape = (1, model.num_kv_heads, entries, model.head_dim)
            zeros = torch.zeros(shape, device=model.device, dtype=model.dtype)
            cache.update(zeros, zeros.clone(), layer)
        common.synchronize(model)
        started = time.perf_counter()
        positions = model.text_positions(entries, ids.shape[1])
        hidden = model.decoder(
            inputs_embeds=model.embed(ids),
            position_ids=model.decoder_position_ids(positions),
            past_key_values=cache,
            use_cache=True,
        ).last_hidden_state
        int(torch.argmax(model.lm_head(hidden[:, -1])))
        if i:
            times.append((time.perf_counter() - started) * 1000)
    return common.median(times)


def available_runtimes(model) -> list[str]:
    flags, capability = cpu_flags(), torch.backends.cpu.get_cpu_capability()
    names = ["torch"]
    if model.device.type == "cpu" and model.dtype == torch.float32:
        openvino = openvino_available()
        for name in ("bf16", "int8", "openvino", "openvino-bf16"):
            if not answer_runtime.supports(name, flags, capability, openvino):
                names.append(name)
    return names


def compare_runtimes(model, engine, question: str, names: list[str], repeats: int) -> dict:
    """Each runtime on the same engine state: latency and error against PyTorch float32."""
    answer_runtime.detach(model)
    reference = engine.first_token_logits(question, use_history=False)
    results = {}
    for name in names:
        started = time.perf_counter()
        runtime = answer_runtime.attach(model, name)
        row = {"runtime": runtime.name, "startup_s": round(time.perf_counter() - started, 2)}
        logits = engine.first_token_logits(question, use_history=False)
        error = (logits - reference).norm() / reference.norm().clamp_min(1e-12)
        row["logits_rel_error"] = float(f"{float(error):.3g}")
        row["first_token_equal"] = int(logits.argmax()) == int(reference.argmax())
        row.update(latency(engine, question, repeats))
        results[name] = row
        answer_runtime.detach(model)
    torch_answer = results["torch"]["answer"] if "torch" in results else None
    for row in results.values():
        row["greedy_equal"] = row.pop("answer") == torch_answer
    return results


def main() -> None:
    parser = common.parser(__doc__.splitlines()[0])
    parser.add_argument("--context-tokens", type=int, default=0)
    parser.add_argument("--runtimes", default="", help="comma-separated (default: all here)")
    common.add_device_options(parser)
    args = parser.parse_args()
    common.setup_threads(args.threads)
    big = args.geometry in ("ov-0.5b", "qwen2.5-vl-3b", "qwen3-vl-2b", "smolvlm2-2.2b")
    repeats = 1 if args.quick or big else 3
    model = geometries.build(args.geometry, device=args.device, dtype=args.dtype)
    question = question_with_context(model, args.context_tokens)
    full = EngineConfig(carrier=False, memory_size=None)
    longest = common.full_token_frames(model, 128)  # within the model's position limit
    cases = {
        "videoscan M=64": (EngineConfig(memory_size=64), 200),
        "videoscan M=128": (EngineConfig(memory_size=128), 200),
        f"full t={min(64, longest)}": (full, min(64, longest)),
        f"full t={longest}": (full, longest),
    }
    rows, engines = {}, {}
    for name, (config, history) in cases.items():
        # no time instruction: the same question length in every case
        engine = StreamingEngine(model, config.replace(time_instruction=False))
        common.fill_history(engine, history)
        rows[name] = latency(engine, question, repeats)
        rows[name].pop("answer")
        engines[name] = engine
    main_engine = engines["videoscan M=64"]
    bare = bare_ttft_ms(main_engine, question, repeats)
    vs = rows["videoscan M=64"]
    names = args.runtimes.split(",") if args.runtimes else available_runtimes(model)
    choice = answer_runtime.choose_answer_runtime(
        "auto", cpu_flags(), torch.backends.cpu.get_cpu_capability(),
        openvino=openvino_available(), device=model.device.type, dtype=model.dtype,
    )
    if choice.runtime not in names:
        names.append(choice.runtime)
    runtimes = compare_runtimes(model, main_engine, question, names, repeats)
    default = runtimes[choice.runtime]
    exact = [name for name, row in runtimes.items() if row["greedy_equal"]]
    fastest = min(exact, key=lambda name: runtimes[name]["decode_ms_per_token"], default=None)
    prompt_tokens = int(model.tokenize(main_engine.question_prompt(question, False)).shape[1])
    result = {
        "benchmark": "answer_latency",
        "geometry": args.geometry,
        "device": str(model.device),
        "dtype": str(model.dtype).removeprefix("torch."),
        "tokens": TOKENS,
        "context_tokens": args.context_tokens,
        "question_tokens": prompt_tokens,
        "default": default["runtime"],
        "default_reason": choice.reason,
        "ttft_ms": default["ttft_ms"],
        "decode_tokens_per_s": default["decode_tokens_per_s"],
        "runtimes": runtimes,
        "fastest_exact": runtimes[fastest]["runtime"] if fastest else None,
        "rows": rows,
        "bare_ttft_ms": bare,
        "ttft_over_bare_prefill": round(vs["ttft_ms"] / bare, 4),
        "full_frames": longest,
        "full_over_videoscan64_ttft": round(rows[f"full t={longest}"]["ttft_ms"] / vs["ttft_ms"],
                                            3),  # fmt: skip
        "full_over_videoscan64_decode": round(
            rows[f"full t={longest}"]["decode_ms_per_token"] / vs["decode_ms_per_token"], 3
        ),
    }
    lines = ["| cache | entries | TTFT ms | decode ms/token |", "|---|---|---|---|"]
    lines += [
        f"| {name} | {r['cache_entries']} | {r['ttft_ms']:.1f} | {r['decode_ms_per_token']:.2f} |"
        for name, r in rows.items()
    ]
    lines += ["", "| answer runtime (M=64) | TTFT ms | tokens/s | logits rel. error | greedy "
              "equal |", "|---|---|---|---|---|"]
    lines += [
        f"| {r['runtime']} | {r['ttft_ms']:.1f} | {r['decode_tokens_per_s']} | "
        f"{r['logits_rel_error']} | {r['greedy_equal']} |"
        for r in runtimes.values()
    ]
    lines += [
        "",
        f"default here: {result['default']} ({choice.reason}); fastest exact: "
        f"{result['fastest_exact']}; question {prompt_tokens} tokens",
        f"TTFT (M=64) / bare prefill: {result['ttft_over_bare_prefill']}",
        f"full t={longest} / VideoScan M=64: TTFT {result['full_over_videoscan64_ttft']}x, "
        f"decode {result['full_over_videoscan64_decode']}x",
    ]
    common.emit(result, args.json, "\n".join(lines))


if __name__ == "__main__":
    main()
