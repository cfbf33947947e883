"""KV projection for the Qwen geometries (built on the meta device: no memory, no weights)."""

from __future__ import annotations

from benchmarks.kv_projection import project


def test_qwen_geometries_project_bounded_videoscan_memory():
    qwen25 = project("qwen2.5-vl-3b", 448, 448, memory=64, recent=2)
    assert qwen25["kv_bytes_per_entry"] == 2 * 36 * 2 * 128 * 2  # layers, kv heads, head dim
    assert qwen25["visual_tokens_per_frame"] == 256
    assert qwen25["weights_gb_bf16"] == 7.51  # the hub's two shards: 3.98 + 3.53 GB
    qwen3 = project("qwen3-vl-2b", 480, 640, memory=64, recent=2)
    assert qwen3["kv_bytes_per_entry"] == 2 * 28 * 8 * 128 * 2
    assert qwen3["visual_tokens_per_frame"] == 300 and qwen3["frame_text_tokens"] > 2
    assert qwen3["weights_gb_bf16"] == 4.26  # the hub's model.safetensors
    for result in (qwen25, qwen3):
        per_frame = result["visual_tokens_per_frame"] + result["frame_text_tokens"]
        assert result["kv_bytes_per_frame_full"] == per_frame * result["kv_bytes_per_entry"]
        assert result["hour_entries_full"] > 3600 * per_frame
        assert result["hour_entries_videoscan"] < 4 * per_frame + 200  # bounded: S + M + (r+1) N'
        assert result["hour_gpu_gb_videoscan"] < result["weights_gb_bf16"] + 0.5
