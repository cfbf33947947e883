"""Stages 0 and 1 cut nothing, so the replay runs all frame chunks in one decoder call: the same
answer logits as frame by frame (and gradients to the vision tower), for every family whose
chunks need no extra decoder inputs; Qwen3-VL's DeepStack chunks still go one by one."""

from __future__ import annotations

import pytest
import torch

from videoscan_core.adapters import load_model
from videoscan_core.tiny.llava import make_tiny_model
from videoscan_core.train.replay import StreamReplayTrainingModel

from .test_replay import collate, example

pytestmark = pytest.mark.slow  # three tiny families, two stages, twice each


@pytest.fixture(scope="module")
def vlms(tmp_path_factory):
    folder = tmp_path_factory.mktemp("uncut")
    return {family: load_model(make_tiny_model(folder / family, family=family), dtype="float32")
            for family in ("smolvlm2", "qwen2.5-vl", "qwen3-vl")}


@pytest.mark.parametrize("family", ["smolvlm2", "qwen2.5-vl", "qwen3-vl"])
@pytest.mark.parametrize("stage", [0, 1])
def test_one_forward_equals_frame_by_frame(vlms, family, stage, monkeypatch):
    vlm = vlms[family]
    _, batch = collate(vlm, [example(4), example(11, frames=9, questions=(1,))])
    calls = []
    real = vlm.decode_step
    monkeypatch.setattr(vlm, "decode_step", lambda *a, **k: calls.append(1) or real(*a, **k))
    with torch.inference_mode():
        together, targets = StreamReplayTrainingModel(vlm, stage).answer_logits(**batch)
        fast_calls = len(calls)
        monkeypatch.setattr(StreamReplayTrainingModel, "one_forward_uncut", False)
        apart, same_targets = StreamReplayTrainingModel(vlm, stage).answer_logits(**batch)
    assert torch.equal(targets, same_targets)
    torch.testing.assert_close(together, apart, atol=1e-4, rtol=0)
    frames = sum(len(f) for f in batch["frames"])
    questions = int(batch["qa_counts"].sum())
    assert len(calls) - fast_calls == 2 + frames + questions  # system, frames, questions
    one_by_one = family == "qwen3-vl" and stage == 0  # DeepStack inputs per chunk
    assert fast_calls == 2 + (frames if one_by_one else 2) + questions
