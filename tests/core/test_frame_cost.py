"""What ``videoscan models cost`` says a model's memory costs, term by term: the cache entries of
the training-free preset and their bytes, keys and values, per layer, key/value head and head
size, in float32 for CPU models and bfloat16 for GPU ones."""

from __future__ import annotations

from types import SimpleNamespace

from videoscan_core.adapters.families import family
from videoscan_core.adapters.presets import training_free_settings
from videoscan_core.hub import frame_cost as cost_module
from videoscan_core.hub.frame_cost import frame_cost
from videoscan_core.limits import FIXED_ENTRIES


def test_entries_and_bytes_count_keys_and_values_of_every_layer_and_head(monkeypatch):
    monkeypatch.setitem(cost_module.SHAPES, "test/model", (100, 3, 5, 7))
    preset = training_free_settings("smolvlm2")
    k, recent = preset["keep_topk"], preset["recent_frames"]
    smol = family("smolvlm2")
    scaffold, time = smol.scaffold_tokens, smol.time_tokens
    entries = FIXED_ENTRIES + 10 * (1 + k + time) + (recent + 1) * (100 + scaffold + 1)
    on_cpu = frame_cost(SimpleNamespace(id="test/model", family="smolvlm2", speed_class="cpu"), 10)
    assert (on_cpu.frame_tokens, on_cpu.keep_topk, on_cpu.entries) == (100, k, entries)
    assert on_cpu.cache_bytes == entries * 2 * 3 * 5 * 7 * 4  # K and V, float32
    slow = frame_cost(SimpleNamespace(id="test/model", family="smolvlm2",
                                      speed_class="cpu-slow"), 10)  # fmt: skip
    assert slow.cache_bytes == on_cpu.cache_bytes
    gpu = frame_cost(SimpleNamespace(id="test/model", family="smolvlm2", speed_class="gpu"), 10)
    assert gpu.cache_bytes * 2 == on_cpu.cache_bytes  # bfloat16
    other = frame_cost(SimpleNamespace(id="test/model", family="llava-onevision",
                                       speed_class="gpu"), 10)  # fmt: skip
    preset = training_free_settings("llava-onevision")
    assert other.entries == FIXED_ENTRIES + 10 * (1 + preset["keep_topk"]) + (
        preset["recent_frames"] + 1
    ) * 101  # no scaffold or time text estimated for it
    assert frame_cost(SimpleNamespace(id="unknown", family="smolvlm2", speed_class="cpu")) is None


def test_the_quoted_cost_of_the_smallest_model_matches_its_published_shape():
    from videoscan_core.hub.catalogue import entry

    small = frame_cost(entry("HuggingFaceTB/SmolVLM2-256M-Video-Instruct"))
    # SmolLM2-135M: 30 layers, 3 key/value heads of 64; float32 on a CPU: 46,080 bytes an entry
    assert small.cache_bytes == small.entries * 46_080
    assert "GB of cache however long it streams" in small.line()
