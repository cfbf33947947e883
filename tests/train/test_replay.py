"""Every family trains through its adapter: the replayed-stream training forward equals the
masked one on LLaVA, equals the streaming engine on SmolVLM2 / Qwen2.5-VL / Qwen3-VL (scaffold
text, M-RoPE, DeepStack), carries gradients to the vision tower, and a trained model reloads."""

from __future__ import annotations

import pytest
import torch

from videoscan_core.adapters import load_model
from videoscan_core.config import EngineConfig
from videoscan_core.errors import VideoScanError
from videoscan_core.eval.synthetic import make_video
from videoscan_core.stream.engine import StreamingEngine
from videoscan_core.tiny.llava import make_tiny_model
from videoscan_core.train.data import Collator, TrainingExample
from videoscan_core.train.model import CarrierTrainingModel
from videoscan_core.train.replay import StreamReplayTrainingModel
from videoscan_core.train.runner import TrainOptions, train

FAMILIES = ("smolvlm2", "qwen2.5-vl", "qwen3-vl")


def example(seed=4, frames=6, questions=(0, 2)):
    video = make_video(seed)
    chosen = [video.questions[i] for i in questions]
    return TrainingExample(
        video.frames[:frames],
        video.timestamps[:frames],
        [q.text for q in chosen],
        [q.answer for q in chosen],
    )


def collate(vlm, samples, raw=True):
    collator = Collator(
        vlm.tokenizer, vlm.preprocessor, prompt=vlm.prompt,
        time_instruction=vlm.time_instruction, raw_frames=raw,
    )  # fmt: skip
    return collator, collator(samples)


def logits_of(wrapper, batch):
    with torch.inference_mode():
        return wrapper.answer_logits(**batch)


@pytest.fixture(scope="module")
def family_vlms(tmp_path_factory):
    folder = tmp_path_factory.mktemp("families")
    return {
        family: load_model(make_tiny_model(folder / family, family=family), dtype="float32")
        for family in FAMILIES
    }


@pytest.mark.parametrize(("stage", "mode"), [(0, "compact"), (1, "compact"), (2, "compact"),
                                             (2, "monotonic")])  # fmt: skip
def test_replay_equals_the_masked_forward_on_llava(tiny_vlm, stage, mode):
    samples = [example(4), example(11, frames=9, questions=(1,))]
    _, raw = collate(tiny_vlm, samples)
    _, pixels = collate(tiny_vlm, samples, raw=False)
    replayed, targets = logits_of(StreamReplayTrainingModel(tiny_vlm, stage, mode), raw)
    masked, masked_targets = logits_of(CarrierTrainingModel(tiny_vlm.model, stage, mode), pixels)
    assert torch.equal(targets, masked_targets)
    assert (replayed - masked).abs().max() < 1e-4
    other = logits_of(StreamReplayTrainingModel(tiny_vlm, (stage + 1) % 3, mode), raw)[0]
    assert (other - masked).abs().max() > 1e-2  # a wrong layout is far outside the tolerance


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("mode", ["compact", "monotonic"])
def test_replay_equals_the_streaming_engine(family_vlms, family, mode):
    vlm = family_vlms[family]
    sample = example()
    engine = StreamingEngine(vlm, EngineConfig(memory_size=64, position_mode=mode))
    for frame, t in zip(sample.frames, sample.timestamps, strict=True):
        engine.add_frame(frame, t)
    collator, batch = collate(vlm, [sample])
    logits, targets = logits_of(StreamReplayTrainingModel(vlm, 2, mode), batch)
    first = 0
    for question, answer in zip(sample.questions, sample.answers, strict=True):
        assert (
            vlm.tokenize(collator.question_text(sample, question))[0].tolist()
            == vlm.tokenize(engine.question_prompt(question))[0].tolist()
        )
        streamed = engine.first_token_logits(question).float()
        assert (logits[first] - streamed).abs().max() < 1e-4, question
        first += len(vlm.tokenizer(answer, add_special_tokens=False)["input_ids"]) + 1
    assert first == targets.shape[0]
    full = logits_of(StreamReplayTrainingModel(vlm, 0, mode), batch)[0]
    assert (full[0] - engine.first_token_logits(sample.questions[0])).abs().max() > 1e-2


@pytest.mark.parametrize("family", FAMILIES)
def test_gradients_reach_the_vision_tower_through_the_carrier(family_vlms, family):
    vlm = family_vlms[family]
    _, batch = collate(vlm, [example(frames=3, questions=(0,))])
    vlm.model.zero_grad()
    StreamReplayTrainingModel(vlm, 2)(**batch)["loss"].backward()
    vision, projectors = vlm.training_parts()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in vision.parameters())
    assert all(p.grad is not None for projector in projectors for p in projector.parameters())
    vlm.model.zero_grad(set_to_none=True)


def test_positions_the_replay_cannot_train_are_refused(family_vlms):
    with pytest.raises(VideoScanError, match="compact or monotonic"):
        StreamReplayTrainingModel(family_vlms["smolvlm2"], 2, "rerotate")


@pytest.mark.parametrize(
    ("family", "vision", "targets"),
    [("smolvlm2", "full", None), ("qwen2.5-vl", "lora", ("attention",)),
     ("qwen3-vl", "frozen", None), ("qwen3-vl", "lora", None)],
)  # fmt: skip
def test_every_family_trains_saves_and_reloads(tmp_path, family, vision, targets):
    """("attention",) is the official recipe's vision LoRA: Qwen's fused attn.qkv."""
    source = make_tiny_model(tmp_path / "source", family=family)
    out = train(
        TrainOptions(
            stage=2, model=str(source), output=str(tmp_path / "out"), videos=4, batch_size=2,
            max_steps=2, learning_rate=1e-2, warmup_steps=0, vision=vision, lora_rank=4,
            vision_lora_targets=targets, show_progress=False,
        )
    )  # fmt: skip
    before = load_model(source, dtype="float32")
    after = load_model(out, dtype="float32")
    assert after.family == family
    old, new = before.model.state_dict(), after.model.state_dict()
    assert set(old) == set(new)  # LoRA merged, nothing left behind
    changed = {name for name in old if not torch.equal(old[name], new[name])}
    vision_names = {f"model.{n}" for n, _ in before.model.model.named_parameters()
                    if n.split(".")[0] in ("vision_model", "visual")}  # fmt: skip
    projector_ids = {id(p) for m in before.training_parts()[1] for p in m.parameters()}
    tower_only = {
        f"model.{n}" for n, p in before.model.model.named_parameters()
        if f"model.{n}" in vision_names and id(p) not in projector_ids
    }  # fmt: skip
    assert changed - tower_only  # the language model (LoRA, merged) changed
    assert bool(changed & tower_only) == (vision != "frozen")
    projectors = {
        "smolvlm2": ["connector."],
        "qwen2.5-vl": ["visual.merger."],
        "qwen3-vl": ["visual.merger.", "visual.deepstack_merger_list."],
    }[family]
    for projector in projectors:  # the projectors always train, named here independently
        assert any(projector in name for name in changed), projector
    if targets == ("attention",):  # the official recipe: only the fused q/k/v of the tower
        blocks = {name for name in changed if ".blocks." in name}
        assert blocks and all(".attn.qkv." in name for name in blocks)
    if family == "qwen3-vl":
        assert (out / "video_preprocessor_config.json").is_file()
    engine = StreamingEngine(after, EngineConfig(memory_size=4))
    video = make_video(3)
    for frame, t in zip(video.frames[:3], video.timestamps[:3], strict=True):
        engine.add_frame(frame, t)
    assert isinstance(engine.answer("What is on the screen now?"), str)


@pytest.mark.parametrize("family", ["llava-onevision", "qwen2.5-vl"])
def test_resume_starts_from_the_checkpoint_weights(tmp_path, family):
    """Checkpoints keep the module's own names (``save_pretrained`` renames these two families'
    keys to the hub layout, which a resume would silently fail to find)."""
    import types

    from videoscan_core.train.trainer import carrier_trainer_class

    source = make_tiny_model(tmp_path / "source", family=family)
    out = train(
        TrainOptions(
            stage=2, model=str(source), output=str(tmp_path / "out"), videos=4, batch_size=2,
            max_steps=2, save_steps=2, learning_rate=1e-2, warmup_steps=0, show_progress=False,
        )
    )  # fmt: skip
    trained = load_model(out, dtype="float32").model.state_dict()
    fresh = load_model(source, dtype="float32")
    trainer = types.SimpleNamespace(model=types.SimpleNamespace(model=fresh.model), sharded=False)
    assert not all(torch.equal(fresh.model.state_dict()[k], trained[k]) for k in trained)
    checkpoint = str(out / "checkpoints" / "checkpoint-2")
    carrier_trainer_class()._load_from_checkpoint(trainer, checkpoint)
    resumed = fresh.model.state_dict()
    assert all(torch.equal(resumed[k], trained[k]) for k in trained)
    fresh.model.lm_head = torch.nn.Linear(1, 1)  # another model: refused in words, not ignored
    with pytest.raises(VideoScanError, match="does not fit this model"):
        carrier_trainer_class()._load_from_checkpoint(trainer, checkpoint)


def test_stage_0_replays_the_models_own_layout_for_qwen3_vl(family_vlms, monkeypatch):
    """Stage 0 cuts nothing, so the replay numbers the frames as the model's own
    ``get_rope_index`` numbers the clip, not from the cache length (which leaves gaps after
    every M-RoPE grid: a grid of N tokens advances max(rows, cols) positions)."""
    vlm = family_vlms["qwen3-vl"]
    sample = example(frames=4, questions=(0,))
    _, batch = collate(vlm, [sample])
    seen: list[torch.Tensor] = []
    real = vlm.decode_step
    monkeypatch.setattr(
        vlm, "decode_step", lambda i, p, c, **k: seen.append(p) or real(i, p, c, **k)
    )
    logits_of(StreamReplayTrainingModel(vlm, 0, "compact"), batch)
    replayed = torch.cat(seen[: 1 + len(sample.frames)], dim=2)[:, 0]  # [3, system + frames]
    _, gh, gw = vlm.preprocess(sample.frames[:1]).grids[0]
    text = vlm.tokenizer.decode(batch["system_ids"][0])
    for t in sample.timestamps:
        scaffold = vlm.frame_text(float(t))
        text += scaffold.before + "<|video_pad|>" * (gh * gw // 4) + scaffold.after
    ids = torch.tensor([vlm.tokenizer(text, add_special_tokens=False)["input_ids"]])
    assert ids.shape[1] == replayed.shape[1]
    types = (ids == vlm.model.config.video_token_id).int() * 2
    grid = torch.tensor([[len(sample.frames), gh, gw]])
    reference, _ = vlm.model.model.get_rope_index(ids, types, video_grid_thw=grid)
    assert torch.equal(replayed, reference[:, 0])
