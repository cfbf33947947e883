"""Training on word questions: follow-ups in training look exactly as the engine asks them."""

from __future__ import annotations

import torch

from videoscan_core.config import EngineConfig
from videoscan_core.eval.synthetic import make_video
from videoscan_core.stream.engine import StreamingEngine
from videoscan_core.train.data import Collator, SyntheticDataset, TrainingExample
from videoscan_core.train.model import CarrierTrainingModel


def test_a_two_turn_training_question_equals_the_engine_follow_up(tiny_vlm):
    video = make_video(4)
    history = (("What is on the screen now?", "a red circle"),)
    sample = TrainingExample(
        video.frames,
        video.timestamps,
        ["How many shapes appeared in the video?", "And before that?"],
        ["3 shapes", "a blue square"],
        histories=[(), history],
    )
    engine = StreamingEngine(tiny_vlm, EngineConfig(memory_size=64))
    for frame, t in zip(sample.frames, sample.timestamps, strict=True):
        engine.add_frame(frame, t)
    collator = Collator(tiny_vlm.tokenizer, tiny_vlm.preprocessor)
    with torch.inference_mode():
        logits, _ = CarrierTrainingModel(tiny_vlm.model, 2).answer_logits(**collator([sample]))
    plain = engine.first_token_logits(sample.questions[0])
    assert (logits[0].float() - plain).abs().max() < 1e-4
    engine.history.add(*history[0])
    assert collator.question_text(sample, "And before that?", history) == engine.question_prompt(
        "And before that?"
    )
    follow_up = engine.first_token_logits("And before that?")
    second = len(tiny_vlm.tokenizer("3 shapes", add_special_tokens=False)["input_ids"]) + 1
    assert (logits[second].float() - follow_up).abs().max() < 1e-4
    without = engine.first_token_logits("And before that?", use_history=False)
    assert (logits[second].float() - without).abs().max() > 1e-3  # the history mattered


def test_word_dataset_mixes_multiple_choice_words_and_cut_videos():
    data = SyntheticDataset("train", 40, words=True)
    examples = [data[i] for i in range(40)]
    assert all(len(e.questions) == len(e.answers) == len(e.histories) for e in examples)
    with_mc = [e for e in examples if any("Options:" in q for q in e.questions)]
    assert 8 < len(with_mc) < 32  # about half keep the multiple-choice questions
    kinds = {kind for e in examples for kind in e.kinds}
    assert {"what_now", "yes_no_now", "condition", "other", "follow_up"} <= kinds
    pairs = [(k, h) for e in examples for k, h in zip(e.kinds, e.histories, strict=True)]
    assert all(h for k, h in pairs if k == "follow_up")
    # ordinary questions also come after earlier exchanges (a conversation), about a third
    others = [bool(h) for k, h in pairs if k != "follow_up"]
    assert 0.2 < sum(others) / len(others) < 0.45
    assert SyntheticDataset("train", 3, words=True)[2].questions == examples[2].questions


def test_every_video_drills_true_and_false_conditions_about_its_last_frame():
    from videoscan_core.eval.alert_quality import on_screen
    from videoscan_core.eval.synthetic import make_video

    data = SyntheticDataset("train", 60, words=True)
    answers, onsets = {"yes": 0, "no": 0}, 0
    for index in range(60):
        example = data[index]
        video = make_video(data.seeds[index])
        cut = video.timestamps.index(example.timestamps[-1]) + 1
        now = on_screen(video, cut - 1)
        drill = [(q, a) for q, a, k in zip(example.questions, example.answers, example.kinds,
                                           strict=True) if k == "condition"][-6:]  # fmt: skip
        assert all(q.startswith("Is this true now: ") for q, _ in drill)
        if now is not None:  # colour, shape and name, each once true and once false
            assert sorted(a for _, a in drill) == ["no"] * 3 + ["yes"] * 3
            assert any(f"the {now.name} " in q for q, a in drill if a == "yes")
        onsets += any(cut - 1 == event.start for event in video.events)
        for _, answer in drill:
            answers[answer] += 1
    assert 0.4 < answers["yes"] / sum(answers.values()) < 0.6
    assert onsets >= 10  # cuts ending on a shape's first frame, where an alert must fire
