"""KV-cache bytes per frame and projected GPU memory for one hour at 1 FPS, VideoScan vs full.

Counted, not timed: the geometry is built on PyTorch's meta device (no memory, no weights), so
this runs for the multi-billion-parameter geometries on any machine. Per cache entry (one token,
all layers, keys and values) a model holds ``2 * layers * kv_heads * head_dim * bytes``; a frame
adds N' entries in full-token streaming (its visual tokens and per-frame text) and one carrier
with VideoScan. One hour at 1 FPS: full tokens keep 3600 N' entries; VideoScan keeps
S + M + r N' (system, M carriers, r recent frames in full; the training-free preset) plus one
frame in flight. Memory = bf16 weights + that KV cache (activations not counted).

    python -m benchmarks.kv_projection [--geometry qwen2.5-vl-3b|qwen3-vl-2b] [--frame 448x448]
        [--memory 64] [--recent 2] [--json]

Qwen3-VL's per-frame text (``<t seconds>`` + vision start/end) is counted with the offline test
tokenizer for a two-digit time; the real tokenizer may differ by a token or two.
"""

from __future__ import annotations

import argparse
import json

BF16 = 2
HOUR_FRAMES = 3600


def project(name: str, height: int, width: int, memory: int, recent: int) -> dict:
    from videoscan_core.adapters.qwen3_vl import Qwen3VLModel
    from videoscan_core.adapters.qwen_preprocess import QwenFrameProcessor
    from videoscan_core.tiny.qwen import build_real_shape_qwen

    model, tokenizer = build_real_shape_qwen(name, device="meta")
    text = model.config.text_config
    head_dim = getattr(text, "head_dim", None) or text.hidden_size // text.num_attention_heads
    entry = 2 * text.num_hidden_layers * text.num_key_value_heads * head_dim * BF16
    family = "qwen3-vl" if name.startswith("qwen3") else "qwen2.5-vl"
    frames = QwenFrameProcessor.for_family(family)
    h, w = frames.target_size(height, width)
    visual = (h // frames.factor) * (w // frames.factor)
    scaffold = 0
    if family == "qwen3-vl":
        text_around = Qwen3VLModel.frame_text(None, 12.5)
        scaffold = sum(
            len(tokenizer(piece, add_special_tokens=False)["input_ids"])
            for piece in (text_around.before, text_around.after)
        )
    system = len(
        tokenizer(
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
            "<|vision_start|>",
            add_special_tokens=False,
        )["input_ids"]
    )
    per_frame = visual + scaffold
    weights = sum(p.numel() for p in model.parameters()) * BF16
    full_entries = system + HOUR_FRAMES * per_frame
    videoscan_entries = system + memory + recent * per_frame + per_frame + 1
    gb = 1e9
    return {
        "benchmark": "kv_projection",
        "geometry": name,
        "frame": f"{width}x{height}",
        "resized": f"{w}x{h}",
        "visual_tokens_per_frame": visual,
        "frame_text_tokens": scaffold,
        "kv_bytes_per_entry": entry,
        "kv_bytes_per_frame_full": per_frame * entry,
        "kv_bytes_per_frame_videoscan": entry,
        "weights_gb_bf16": round(weights / gb, 2),
        "hour_entries_full": full_entries,
        "hour_entries_videoscan": videoscan_entries,
        "hour_kv_gb_full": round(full_entries * entry / gb, 2),
        "hour_kv_gb_videoscan": round(videoscan_entries * entry / gb, 3),
        "hour_gpu_gb_full": round((weights + full_entries * entry) / gb, 2),
        "hour_gpu_gb_videoscan": round((weights + videoscan_entries * entry) / gb, 2),
        "memory": memory,
        "recent_frames": recent,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--geometry", choices=["qwen2.5-vl-3b", "qwen3-vl-2b"], default=None)
    parser.add_argument("--frame", default="448x448", help="WIDTHxHEIGHT of the frames")
    parser.add_argument("--memory", type=int, default=64, help="carriers kept (M)")
    parser.add_argument("--recent", type=int, default=2, help="recent frames kept in full (r)")
    parser.add_argument("--json", action="store_true", help="one JSON object per geometry")
    args = parser.parse_args()
    width, height = (int(v) for v in args.frame.lower().split("x"))
    names = [args.geometry] if args.geometry else ["qwen2.5-vl-3b", "qwen3-vl-2b"]
    for name in names:
        result = project(name, height, width, args.memory, args.recent)
        if args.json:
            print(json.dumps(result))
            continue
        print(
            f"{name} at {result['frame']} ({result['resized']}): "
            f"{result['visual_tokens_per_frame']}+{result['frame_text_tokens']} tokens/frame, "
            f"{result['kv_bytes_per_entry'] / 1024:.0f} KiB per entry; 1 h at 1 FPS: full "
            f"{result['hour_gpu_gb_full']} GB, VideoScan {result['hour_gpu_gb_videoscan']} GB "
            f"(weights {result['weights_gb_bf16']} GB bf16)"
        )


if __name__ == "__main__":
    main()
