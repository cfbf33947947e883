"""The stage-2 training forward equals streaming inference; packed questions stay independent."""

from __future__ import annotations

import pytest
import torch

from videoscan_core.config import EngineConfig
from videoscan_core.eval.synthetic import make_video
from videoscan_core.stream.engine import StreamingEngine
from videoscan_core.train.data import Collator, TrainingExample
from videoscan_core.train.model import CarrierTrainingModel


def example(seed=4, questions=None):
    video = make_video(seed)
    chosen = video.questions if questions is None else [video.questions[i] for i in questions]
    return TrainingExample(
        video.frames, video.timestamps, [q.text for q in chosen], [q.answer for q in chosen]
    )


def first_answer_logits(wrapper, batch):
    """Logits at the first answer token of every question, in order."""
    with torch.inference_mode():
        logits, targets = wrapper.answer_logits(**batch)
    return logits, targets


@pytest.mark.parametrize("position_mode", ["compact", "monotonic", "rerotate"])
def test_stage2_training_logits_equal_streaming_inference(tiny_vlm, position_mode):
    sample = example()
    engine = StreamingEngine(tiny_vlm, EngineConfig(memory_size=64, position_mode=position_mode))
    for frame, t in zip(sample.frames, sample.timestamps, strict=True):
        engine.add_frame(frame, t)
    collator = Collator(tiny_vlm.tokenizer, tiny_vlm.preprocessor)
    batch = collator([sample])  # all four questions packed after the frames
    logits, _ = first_answer_logits(CarrierTrainingModel(tiny_vlm.model, 2, position_mode), batch)
    per_answer = 2  # the letter and <|im_end|>
    for k, question in enumerate(sample.questions):
        assert (
            tiny_vlm.tokenize(collator.question_text(sample, question))[0].tolist()
            == tiny_vlm.tokenize(engine.question_prompt(question))[0].tolist()
        )
        streamed = engine.first_token_logits(question)
        assert (logits[k * per_answer].float() - streamed).abs().max() < 1e-4, k
    full, _ = first_answer_logits(CarrierTrainingModel(tiny_vlm.model, 0), batch)
    assert (full[0].float() - engine.first_token_logits(sample.questions[0])).abs().max() > 1e-2


@pytest.mark.parametrize("stage", [0, 1, 2])
def test_packed_questions_and_padding_match_single_samples(tiny_vlm, stage):
    samples = [example(4), example(11, questions=[1, 0])]
    assert len(samples[0].frames) != len(samples[1].frames)
    collator = Collator(tiny_vlm.tokenizer, tiny_vlm.preprocessor)
    wrapper = CarrierTrainingModel(tiny_vlm.model, stage=stage)
    together, targets = first_answer_logits(wrapper, collator(samples))
    alone = []
    for sample in samples:
        for question, answer in zip(sample.questions, sample.answers, strict=True):
            single = TrainingExample(sample.frames, sample.timestamps, [question], [answer])
            alone.append(first_answer_logits(wrapper, collator([single]))[0])
    assert (together - torch.cat(alone)).abs().max() < 1e-4
    assert targets.shape[0] == together.shape[0]


def test_loss_only_covers_answer_tokens(tiny_vlm):
    sample = example(questions=[0])
    batch = Collator(tiny_vlm.tokenizer, tiny_vlm.preprocessor)([sample])
    _, targets = CarrierTrainingModel(tiny_vlm.model, stage=1).answer_logits(**batch)
    expected = tiny_vlm.tokenizer(sample.answers[0], add_special_tokens=False)["input_ids"] + [
        tiny_vlm.tokenizer.convert_tokens_to_ids("<|im_end|>")
    ]
    assert targets.tolist() == expected
