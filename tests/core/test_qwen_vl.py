"""Qwen2.5-VL and Qwen3-VL adapters on tiny random checkpoints (float32, CPU).

1. Without carriers, the streamed first-answer logits equal the model class's own forward on the
   clip as its processor lays it out (``get_rope_index`` positions, DeepStack), and greedy answers
   equal ``generate``. 2. With carriers and eviction, streaming frame by frame equals one masked
   forward with the documented 3-D positions. Planted position, DeepStack and mask bugs fail.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from videoscan_core.adapters.loading import load_model
from videoscan_core.adapters.presets import TRAINING_FREE_POSITIONS, recommended_config
from videoscan_core.adapters.qwen_vl import check_no_sliding_window
from videoscan_core.config import EngineConfig, GenerationOptions
from videoscan_core.errors import ModelLoadError
from videoscan_core.limits import position_need
from videoscan_core.stream.engine import StreamingEngine
from videoscan_core.tiny.qwen import QWEN_FAMILIES, make_tiny_qwen

from .qwen_oracle import oracle_logits, reference_prompt

QUESTION = "What is on the screen?"
TIMES = [0.0, 0.5, 1.0, 1.5]  # evenly spaced, as the offline reference needs
TOL = 1e-4


@pytest.fixture(scope="module", params=QWEN_FAMILIES)
def vlm(request, tmp_path_factory):
    folder = make_tiny_qwen(tmp_path_factory.mktemp(request.param), request.param, seed=1)
    return load_model(folder, device="cpu", dtype="float32")


def _frames(count: int, height: int = 30, width: int = 45, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (height, width, 3), dtype=np.uint8) for _ in range(count)]


def _stream(vlm, config: EngineConfig, frames, times, selected=None):
    engine = StreamingEngine(vlm, config)
    visuals, events = [], []
    for frame, t in zip(frames, times, strict=True):
        visual = engine.encode([frame])
        visuals.append(visual)
        events.append(engine.add_visual_tokens(visual, t))
        newest = engine.layout.blocks[-1] if engine.layout.blocks else None
        if selected is not None and newest is not None and newest.selected:
            selected[newest.frame_index] = newest.selected
    return engine, visuals, events


def _full_tokens(vlm, mode: str = "monotonic"):
    frames = _frames(len(TIMES))
    config = EngineConfig(carrier=False, memory_size=None, position_mode=mode)
    engine, _, _ = _stream(vlm, config, frames, TIMES)
    return engine, reference_prompt(vlm, engine, vlm.preprocess(frames), TIMES, QUESTION)


def _reference_logits(vlm, kwargs) -> torch.Tensor:
    with torch.inference_mode():
        return vlm.model(**kwargs).logits[0, -1].float()


def test_loaded_by_model_type(vlm):
    expected = {"qwen2.5-vl": "Qwen25VLModel", "qwen3-vl": "Qwen3VLModel"}[vlm.family]
    assert type(vlm).__name__ == expected
    assert vlm.position_rows == 3


@pytest.mark.parametrize("mode", ["monotonic", pytest.param("rerotate", marks=pytest.mark.slow)])
def test_full_tokens_equal_the_model_forward(vlm, mode):
    engine, kwargs = _full_tokens(vlm, mode)
    ours = engine.first_token_logits(QUESTION)
    reference = _reference_logits(vlm, kwargs)
    assert reference.abs().max() > 0.5  # logits of order 1: the comparison is sensitive
    assert (ours - reference).abs().max() <= TOL


def test_greedy_answer_equals_generate(vlm, monkeypatch):
    engine, kwargs = _full_tokens(vlm)
    decoded: list[list[int]] = []
    original = vlm.decode
    monkeypatch.setattr(vlm, "decode", lambda ids: decoded.append(list(ids)) or original(ids))
    engine.answer(QUESTION, GenerationOptions(max_new_tokens=10))
    ours = decoded[-1] if decoded else []
    vlm.model.model.rope_deltas = None
    with torch.inference_mode():
        out = vlm.model.generate(**kwargs, max_new_tokens=10, do_sample=False)
    theirs = out[0, kwargs["input_ids"].shape[1] :].tolist()
    stop = next((i for i, token in enumerate(theirs) if token in vlm.eos_token_ids), len(theirs))
    assert len(ours) >= 3
    assert ours == theirs[:stop]


def test_planted_position_bug_fails(vlm, monkeypatch):
    engine, kwargs = _full_tokens(vlm)
    right = engine.first_token_logits(QUESTION)
    original = vlm.frame_positions

    def swapped(start, chunk, stream=None):
        positions = original(start, chunk, stream)
        return positions[[0, 2, 1]]  # h and w exchanged

    monkeypatch.setattr(vlm, "frame_positions", swapped)
    wrong, _ = _full_tokens(vlm)
    assert (wrong.first_token_logits(QUESTION) - right).abs().max() > 100 * TOL
    assert (right - _reference_logits(vlm, kwargs)).abs().max() <= TOL


def test_planted_deepstack_bug_fails(vlm, monkeypatch):
    if vlm.family != "qwen3-vl":
        pytest.skip("Qwen2.5-VL has no DeepStack")
    engine, kwargs = _full_tokens(vlm)
    reference = _reference_logits(vlm, kwargs)
    monkeypatch.setattr(vlm, "chunk_decoder_kwargs", lambda chunk: {})
    wrong, _ = _full_tokens(vlm)
    assert (wrong.first_token_logits(QUESTION) - reference).abs().max() > 100 * TOL


def _carrier_stream(vlm, selected=None, **config):
    frames = _frames(6, seed=2)
    times = [0.0, 0.5, 1.0, 2.0, 2.5, 4.0]
    settings = {"memory_size": 3, "position_mode": "monotonic", **config}
    engine, visuals, events = _stream(vlm, EngineConfig(**settings), frames, times, selected)
    return engine, visuals, times, events


@pytest.mark.parametrize("recent", [0, 1])
def test_videoscan_plus_topk_equals_one_masked_forward_per_layer(vlm, recent):
    selected: dict = {}
    engine, visuals, times, events = _carrier_stream(
        vlm, selected, keep_topk=3, recent_frames=recent
    )
    assert selected and any(event.evicted for event in events)
    ours = engine.first_token_logits(QUESTION)
    reference, _ = oracle_logits(vlm, engine, visuals, times, events, QUESTION, selected=selected)
    assert (ours - reference).abs().max() <= TOL
    unselected, _ = oracle_logits(vlm, engine, visuals, times, events, QUESTION)
    assert (ours - unselected).abs().max() > 100 * TOL  # the kept entries matter


@pytest.mark.parametrize("recent,mode", [(0, "monotonic"), (2, "monotonic"), (2, "compact")])
def test_carriers_with_eviction_equal_one_masked_forward(vlm, recent, mode):
    engine, visuals, times, events = _carrier_stream(vlm, recent_frames=recent, position_mode=mode)
    assert any(event.evicted for event in events)
    ours = engine.first_token_logits(QUESTION)
    reference, positions = oracle_logits(vlm, engine, visuals, times, events, QUESTION)
    assert reference.abs().max() > 0.5
    assert (ours - reference).abs().max() <= TOL
    # the cache holds, in order, the oracle's 3-D positions of the entries it kept
    kept = engine.positions.positions[0].T.tolist()  # [L, 3]
    columns = iter(positions[:, 0].T.tolist())
    assert all(any(slot == column for column in columns) for slot in kept)


def test_carrier_oracle_catches_deepstack_and_mask_bugs(vlm, monkeypatch):
    engine, visuals, times, events = _carrier_stream(vlm)
    ours = engine.first_token_logits(QUESTION)
    if vlm.family == "qwen3-vl":
        without, _ = oracle_logits(vlm, engine, visuals, times, events, QUESTION, deepstack=False)
        assert (ours - without).abs().max() > 100 * TOL
        # carriers streamed without their frame's mean DeepStack features
        original_kwargs = vlm.chunk_decoder_kwargs

        def carrier_without_deepstack(chunk):
            kwargs = original_kwargs(chunk)
            if kwargs and chunk.carrier:
                embeds = [layer.clone() for layer in kwargs["deepstack_visual_embeds"]]
                for layer in embeds:
                    layer[-1] = 0
                kwargs["deepstack_visual_embeds"] = embeds
            return kwargs

        monkeypatch.setattr(vlm, "chunk_decoder_kwargs", carrier_without_deepstack)
        bad, visuals, times, events = _carrier_stream(vlm)
        reference, _ = oracle_logits(vlm, bad, visuals, times, events, QUESTION)
        assert (bad.first_token_logits(QUESTION) - reference).abs().max() > 100 * TOL
        monkeypatch.undo()
    # the question also seeing the last frame's visual tokens: a different answer
    from . import qwen_oracle

    original = qwen_oracle.visible

    def leaky(q, k, layer, rules):
        last = rules["frames"] - 1
        return original(q, k, layer, rules) or (q.kind == "text" and k.frame == last)

    monkeypatch.setattr(qwen_oracle, "visible", leaky)
    leaked, _ = oracle_logits(vlm, engine, visuals, times, events, QUESTION)
    assert (ours - leaked).abs().max() > 100 * TOL


@pytest.mark.slow
@pytest.mark.parametrize("preset", [False, True], ids=["rerotate", "training-free"])
def test_rerotate_keeps_positions_bounded(vlm, preset):
    config = EngineConfig(memory_size=2, position_mode="rerotate")
    if preset:  # untrained checkpoint: carriers + the last 2 frames in full, bounded positions
        config = recommended_config(vlm, EngineConfig(memory_size=2))
        assert (config.recent_frames, config.position_mode) == (2, TRAINING_FREE_POSITIONS)
    frames = _frames(3, seed=4) * 4
    times = [0.5 * i for i in range(len(frames))]
    engine, _, _ = _stream(vlm, config, frames, times)
    peaks = []
    for frame, t in zip(frames[:6], times[-1] + 0.5 + np.arange(6) * 0.5, strict=True):
        engine.add_frame(frame, float(t))
        peaks.append(engine.positions.max_position())
    assert len(engine.bank) == 2
    # packed after every cut: within S + M + r N' + N' however long the stream (N' = a chunk)
    chunk = vlm.tokens_per_frame + 6 + 1  # visual tokens, Qwen3-VL's scaffold, carrier
    if config.position_mode == "rerotate":
        bound = engine.layout.system + 2 + (config.recent_frames + 1) * chunk
    else:  # sliding: the frames in memory keep their spans, gaps closed: S + (M + 1) spans
        bound = engine.layout.system + (2 + 1) * chunk
    assert max(peaks) < bound <= position_need(vlm, engine.config)  # what the limits assume
    if vlm.family == "qwen3-vl" and config.position_mode == "rerotate":  # packed: constant
        assert max(peaks) == min(peaks)
    answer = list(engine.ask(QUESTION, GenerationOptions(max_new_tokens=4)))[-1]
    assert answer.finished and answer.tokens >= 1


def test_sliding_window_language_model_is_refused(vlm):
    config = vlm.text_config.__class__(**{**vlm.text_config.to_dict(), "layer_types": None})
    config.layer_types = ["full_attention", "sliding_attention", "sliding_attention"]
    with pytest.raises(ModelLoadError, match="sliding-window attention in layers 1, 2"):
        check_no_sliding_window(config, "tiny")
    check_no_sliding_window(vlm.text_config, "tiny")  # the shipped setting passes


def test_frames_encoded_together_equal_frames_encoded_alone(vlm):
    frames = _frames(3, height=60, width=90, seed=6)
    with torch.inference_mode():
        together = vlm.encode(vlm.preprocess(frames))
        alone = [vlm.encode(vlm.preprocess([frame])) for frame in frames]
    assert together.tokens.shape[:2] == (3, vlm.tokens_per_frame)
    for index, single in enumerate(alone):
        assert torch.equal(together[index].tokens, single.tokens)
        for name, value in single.extras.items():
            assert torch.equal(together[index].extras[name], value)
    with pytest.raises(ValueError, match="same size"):
        vlm.encode(vlm.preprocess([frames[0], _frames(1, height=90, width=60)[0]]))
