"""What ``videoscan models cost`` says a model's memory costs, term by term: the cache entries of
the training-free preset and their bytes, keys and values, per layer, key/value head and head
size, in float32 for CPU models and bfloat16 for GPU ones, where the preset's ``sliding``
positions also keep each key as computed (as the engine does: ``test_key_drift.py``); and README
quotes the table the command prints."""

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
    assert on_cpu.dtype == "float32"
    slow = frame_cost(SimpleNamespace(id="test/model", family="smolvlm2",
                                      speed_class="cpu-slow"), 10)  # fmt: skip
    assert slow.cache_bytes == on_cpu.cache_bytes
    gpu = frame_cost(SimpleNamespace(id="test/model", family="smolvlm2", speed_class="gpu"), 10)
    assert gpu.cache_bytes == entries * 3 * 3 * 5 * 7 * 2  # K, V and K as computed, bfloat16
    assert gpu.dtype == "bfloat16"
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
    # Qwen3-VL-2B: 28 layers, 8 key/value heads of 128; bfloat16 with the keys as computed
    qwen = frame_cost(entry("Qwen/Qwen3-VL-2B-Instruct"))
    assert qwen.cache_bytes == qwen.entries * 3 * 28 * 8 * 128 * 2 == qwen.entries * 172_032


def test_readme_quotes_the_cost_table_the_command_prints(capsys):
    from tests.readme_blocks import blocks
    from videoscan_core.cli.main import main

    assert main(["models", "cost"]) == 0
    printed = capsys.readouterr().out
    found = blocks()
    (command,) = [i for i, b in enumerate(found) if b.text == ".venv/bin/videoscan models cost\n"]
    quoted = found[command + 1]
    assert quoted.kind == "output", "README: an output block after `videoscan models cost`"
    assert quoted.text == printed  # regenerate: VIDEOSCAN_UPDATE_README=1 (tests/test_readme.py)
