"""Every mode's position bound is checked against the model before streaming.

``sliding`` keeps a whole frame's place for each remembered frame, so SmolVLM2 (8,192 positions)
at memory 128 (the ``videoscan-128`` preset; the app allows 4,096) used to pass its limit about
100 frames in and stop. The engine now picks a mode (rerotate) or a memory that fits at every
stream start, and says so in one line; the CLI prints it."""

from __future__ import annotations

import numpy as np
import pytest

from videoscan_core.adapters.presets import recommended_config
from videoscan_core.config import EngineConfig
from videoscan_core.limits import FIXED_ENTRIES, fit_positions, position_need
from videoscan_core.stream.engine import StreamingEngine


@pytest.fixture
def smol(monkeypatch):
    from videoscan_core.adapters.smolvlm import SmolVLMModel
    from videoscan_core.tiny.smolvlm import build_tiny_smolvlm

    model, tokenizer = build_tiny_smolvlm(seed=0)
    return SmolVLMModel(model, tokenizer)


def limit_for(vlm, frames: int) -> int:
    """A position limit that ``frames`` sliding places pass (scaled like SmolVLM2's 8,192)."""
    return FIXED_ENTRIES + frames * vlm.frame_place()


def test_sliding_past_the_limit_falls_back_to_rerotate_and_streams_on(smol):
    config = recommended_config(smol, EngineConfig(memory_size=32))
    assert config.position_mode == "sliding" and config.recent_frames == 4
    # ~22 frame places (30 positions each) past what the engine reserves (the system, the question)
    smol.max_position_embeddings = FIXED_ENTRIES + 680
    assert position_need(smol, config) > smol.max_position_embeddings
    engine = StreamingEngine(smol, config)
    assert engine.config.position_mode == "rerotate" and 24 <= engine.config.memory_size <= 32
    assert "sliding positions" in engine.position_note and "rerotate" in engine.position_note
    rng = np.random.default_rng(0)
    for k in range(40):  # sliding raised PositionLimitError before frame 40
        engine.add_frame(rng.integers(0, 256, (24, 32, 3), dtype=np.uint8), float(k))
    assert engine.positions.next_free() < smol.max_position_embeddings
    assert isinstance(engine.answer("What is on screen?"), str)


def test_a_memory_no_bounded_mode_fits_shrinks_to_the_largest_that_does(smol):
    limit = smol.max_position_embeddings = FIXED_ENTRIES + 1_680
    fitted, note = fit_positions(smol, EngineConfig(memory_size=4096, position_mode="compact"))
    assert 1 <= fitted.memory_size < 4096 and f"memory {fitted.memory_size} instead" in note
    assert position_need(smol, fitted) <= limit
    assert position_need(smol, fitted.replace(memory_size=fitted.memory_size + 1)) > limit
    engine = StreamingEngine(smol, EngineConfig(memory_size=64))
    engine.set_memory_size(4096)  # the app's setting on a running stream
    assert engine.config.memory_size == fitted.memory_size and engine.position_note


def test_settings_that_fit_are_left_alone(smol):
    config = recommended_config(smol, EngineConfig(memory_size=32))
    smol.max_position_embeddings = limit_for(smol, 40)
    assert fit_positions(smol, config) == (config, None)
    monotonic = config.replace(position_mode="monotonic")  # grows: refused at the limit instead
    assert fit_positions(smol, monotonic) == (monotonic, None)


def test_the_cli_says_which_setting_changed(tmp_path):
    import json
    import subprocess
    import sys

    from videoscan_core.tiny.llava import make_tiny_model
    from videoscan_core.video import import_cv2

    folder = make_tiny_model(tmp_path / "smol", family="smolvlm2")
    config = json.loads((folder / "config.json").read_text())
    limit = config["text_config"]["max_position_embeddings"] = FIXED_ENTRIES + 780
    (folder / "config.json").write_text(json.dumps(config))
    cv2 = import_cv2()
    video = tmp_path / "clip.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 2.0, (32, 24))
    for i in range(4):
        writer.write(np.full((24, 32, 3), 60 * i, np.uint8))
    writer.release()
    result = subprocess.run(
        [sys.executable, "-m", "videoscan_core.cli.main", "run", str(video), "--model",
         str(folder), "--memory", "32", "--question", "What?", "--max-new-tokens", "2",
         "--no-progress", "--json"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "rerotate" in line]
    assert len(lines) == 1 and f"past this model's {limit:,}" in lines[0], result.stderr
