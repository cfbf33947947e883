"""Remembered frames keep their time (SmolVLM2 and Qwen3-VL state it only in a frame's scaffold
text): the question prompt of a stream with evicted frames names every remembered frame's time,
in every memory setting, and the time text is tokenised exactly as inside the whole scaffold.
The engine's logits with those entries kept equal one masked forward (test_smolvlm.py,
test_qwen_vl.py); the training replay keeps them too (tests/train/test_replay.py)."""

from __future__ import annotations

import numpy as np
import pytest

from videoscan_core.adapters import load_model
from videoscan_core.config import EngineConfig
from videoscan_core.stream.context_text import context_text
from videoscan_core.stream.engine import StreamingEngine
from videoscan_core.tiny.llava import make_tiny_model

TIMES = [0.0, 1.0, 9.5, 65.0, 66.0, 70.2, 71.0, 130.0]
SETTINGS = {
    "carriers": dict(memory_size=3),
    "recent": dict(memory_size=3, recent_frames=2),
    "topk": dict(memory_size=3, keep_topk=2),
    "sliding": dict(memory_size=3, recent_frames=1, position_mode="sliding"),
}


@pytest.fixture(scope="module", params=["smolvlm2", "qwen3-vl"])
def vlm(request, tmp_path_factory):
    folder = make_tiny_model(tmp_path_factory.mktemp(request.param), family=request.param)
    return load_model(folder, dtype="float32")


def time_text(vlm, t: float) -> str:
    return vlm.frame_text(t).time


def test_the_time_text_opens_the_scaffold_and_tokenises_alike(vlm):
    for t in TIMES:
        text = vlm.frame_text(t)
        assert text.time and text.before.startswith(text.time)
        rest = text.before[len(text.time) :]
        apart = [*vlm.tokenize(text.time)[0].tolist(), *vlm.tokenize(rest)[0].tolist()]
        assert apart == vlm.tokenize(text.before)[0].tolist()


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_the_question_prompt_names_every_remembered_frames_time(vlm, setting):
    engine = StreamingEngine(vlm, EngineConfig(**SETTINGS[setting]))
    rng = np.random.default_rng(0)
    evicted = set()
    for t in TIMES:
        event = engine.add_frame(rng.integers(0, 256, (40, 56, 3), dtype=np.uint8), t)
        evicted |= {carrier.timestamp for carrier in event.evicted}
    assert len(evicted) >= 4
    prompt = context_text(engine, "What was on screen at 1:05?")
    remembered = engine.bank.timestamps()
    assert len(remembered) == 3
    for t in remembered:
        assert prompt.count(time_text(vlm, t)) == 1, (t, prompt)
    recent = {block.timestamp for block in engine.layout.blocks if block.visual == "full"}
    for t in evicted - recent:
        assert time_text(vlm, t) not in prompt
