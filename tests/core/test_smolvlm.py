"""SmolVLM2 behind the adapter interface, checked against transformers' own SmolVLM code.

(1) carrier=False: the streamed first-answer-token logits equal the own forward of
``SmolVLMForConditionalGeneration`` over ``input_ids`` with ``<image>`` placeholders plus
``pixel_values`` (the model scatters the image features itself), the text laid out by
transformers' SmolVLM chat template and video prompt functions; greedy answers equal the
model's ``generate``. (2) streaming with carriers and eviction equals one forward with the
semantic-aware mask (``scaffold_oracle``), and planted bugs are far off. The only deliberate
departure from the processor's layout is its intro sentence, which names the frame count and
duration a live stream cannot know yet (``STREAM_INTRO``).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from videoscan_core.adapters.smolvlm import STREAM_INTRO, SmolVLMModel
from videoscan_core.config import EngineConfig, GenerationOptions
from videoscan_core.stream.engine import StreamingEngine

from .scaffold_oracle import scaffold_oracle_logits

TOLERANCE = 1e-4
QUESTION = "What color is the square?"
TIMES = [0.0, 1.0, 9.5, 65.0, 66.0, 70.2, 71.0, 130.0]


def _build(attn: str) -> SmolVLMModel:
    from videoscan_core.tiny.smolvlm import build_tiny_smolvlm

    model, tokenizer = build_tiny_smolvlm(seed=0, attn=attn)
    return SmolVLMModel(model, tokenizer)


@pytest.fixture(scope="module")
def smol():
    return _build("sdpa")


@pytest.fixture(scope="module")
def smol_eager():
    return _build("eager")


def stream(vlm, config, frames, times=TIMES):
    engine = StreamingEngine(vlm, config)
    visual_tokens, events, selected = [], [], {}
    for t, frame in zip(times, frames, strict=False):
        with torch.inference_mode():
            visual = vlm.encode_frames(vlm.preprocess([frame]))
        visual_tokens.append(visual)
        events.append(engine.add_visual_tokens(visual, t))
        newest = engine.layout.blocks[-1]
        if newest.selected:
            selected[newest.frame_index] = newest.selected
    return engine, visual_tokens, events, selected


def processor_layout(vlm, times, question: str, system: str) -> str:
    """The prompt as transformers' SmolVLM processor lays out a video conversation."""
    from transformers.models.smolvlm.processing_smolvlm import (
        DEFAULT_CHAT_TEMPLATE,
        DEFAULT_MEDIA_OUTTRO,
        FRAME_TIMESTAMP_MESSAGE,
        _prompt_single_image,
    )

    messages = [
        {"role": "system", "content": [{"type": "text", "text": system}]},
        {"role": "user", "content": [{"type": "video"}, {"type": "text", "text": question}]},
    ]
    text = vlm.tokenizer.apply_chat_template(
        messages, chat_template=DEFAULT_CHAT_TEMPLATE, add_generation_prompt=True, tokenize=False
    )
    video = STREAM_INTRO  # the processor's intro also names the frame count and the duration
    for t in times:  # processing_smolvlm.replace_video_token's timestamps
        stamp = f"{int(t // 60):02d}:{int(t % 60):02d}"
        video += FRAME_TIMESTAMP_MESSAGE.format(timestamp=stamp) + _prompt_single_image(
            vlm.tokens_per_frame,
            fake_token_around_image="<fake_token_around_image>",
            image_token="<image>",
            global_image_token="<global-img>",
        )
    return text.replace("<video>", video + DEFAULT_MEDIA_OUTTRO)


def reference_inputs(vlm, frames, times, system):
    text = processor_layout(vlm, times, QUESTION, system)
    ids = vlm.tokenizer(text, add_special_tokens=False, return_tensors="pt")["input_ids"]
    pixels = vlm.preprocess(frames)[None]  # [1, F, 3, S, S] as the video processor stacks them
    return ids, pixels


def test_full_token_stream_equals_the_models_own_forward_and_generate(smol, random_frames):
    frames = random_frames(4, seed=3)
    times = TIMES[:4]
    config = EngineConfig(carrier=False, memory_size=None)
    engine, _, events, _ = stream(smol, config, frames, times)
    ids, pixels = reference_inputs(smol, frames, times, config.system_prompt)
    assert (ids == smol.model.config.image_token_id).sum() == 4 * smol.tokens_per_frame
    with torch.inference_mode():
        reference = smol.model(input_ids=ids, pixel_values=pixels).logits[0, -1].float()
    streamed = engine.first_token_logits(QUESTION)
    question_len = smol.tokenize(engine.question_prompt(QUESTION)).shape[1]
    assert events[-1].cache_entries == ids.shape[1] - question_len  # same tokens, same count
    assert reference.abs().max() > 0.5  # logits are O(1), so the tolerance means something
    assert (streamed - reference).abs().max() < TOLERANCE

    recorded: list[list[int]] = []
    decode = smol.decode
    smol.decode = lambda token_ids: (recorded.append(list(token_ids)), decode(token_ids))[1]
    try:
        chunks = list(engine.ask(QUESTION, GenerationOptions(max_new_tokens=10)))
    finally:
        del smol.decode
    streamed_ids = recorded[-1] if recorded else []
    with torch.inference_mode():
        generated = smol.model.generate(
            input_ids=ids,
            pixel_values=pixels,
            max_new_tokens=10,
            do_sample=False,
            eos_token_id=sorted(smol.eos_token_ids),
            pad_token_id=smol.tokenizer.pad_token_id,
        )[0, ids.shape[1] :].tolist()
    expected = [token for token in generated if token not in smol.eos_token_ids]
    assert len(generated) >= 3
    assert streamed_ids == expected
    assert chunks[-1].tokens == len(expected)


def test_frames_preprocess_like_transformers_image_processor(smol):
    """Square frames: our LANCZOS resize + 0.5/0.5 normalisation equals SmolVLM's PIL image
    processor without splitting (the video processor's per-frame path, torchvision-free)."""
    from transformers.models.smolvlm.image_processing_pil_smolvlm import (
        SmolVLMImageProcessorPil,
    )

    size = smol.image_size
    processor = SmolVLMImageProcessorPil(
        do_image_splitting=False,
        size={"longest_edge": size},
        max_image_size={"longest_edge": size},
        resample=1,
    )
    frame = np.random.default_rng(5).integers(0, 256, (2 * size, 2 * size, 3), dtype=np.uint8)
    expected = processor(images=[[frame]], return_tensors="pt")["pixel_values"][0, 0]
    assert smol.preprocessor.resample == 1  # LANCZOS
    assert (smol.preprocess([frame])[0] - expected).abs().max() < 1e-5


def test_frame_scaffold_is_the_video_template(smol):
    text = smol.frame_text(65.4)
    assert text.before == "\nFrame from 01:05:<fake_token_around_image><global-img>"
    assert text.after == "<fake_token_around_image>"
    chunk = smol.frame_inputs(
        smol.encode(smol.preprocess([np.zeros((8, 8, 3), np.uint8)])), 65.4, None
    )
    assert chunk.visual == smol.tokens_per_frame and chunk.before > 2 and chunk.after == 1


VARIANTS = {
    "eviction": dict(memory_size=3),
    "recent": dict(memory_size=3, recent_frames=2),
    "topk+recent": dict(memory_size=3, keep_topk=2, recent_frames=2),
    "full-tokens-evicting": dict(memory_size=3, carrier=False),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("position_mode", ["compact", "monotonic", "rerotate"])
@pytest.mark.parametrize("attention", ["sdpa", pytest.param("eager", marks=pytest.mark.slow)])
def test_streaming_equals_semantic_aware_masked_forward(
    variant, position_mode, attention, smol, smol_eager, random_frames
):
    vlm = smol if attention == "sdpa" else smol_eager
    config = EngineConfig(position_mode=position_mode, **VARIANTS[variant])
    engine, visual_tokens, events, selected = stream(vlm, config, random_frames(8, seed=1))
    assert any(event.evicted for event in events), "the variant must exercise eviction"
    streamed = engine.first_token_logits(QUESTION)
    reference = scaffold_oracle_logits(
        vlm, engine, visual_tokens, TIMES, events, QUESTION, position_mode, selected
    )
    assert (streamed - reference).abs().max() < TOLERANCE


@pytest.mark.parametrize(
    "bug", ["other-positions", "scaffold-never-cut", "carrier-includes-scaffold", "time-cut"]
)
def test_the_scaffold_oracle_catches_planted_bugs(bug, smol, random_frames):
    config = EngineConfig(memory_size=3, position_mode="compact")
    engine, visual_tokens, events, _ = stream(smol, config, random_frames(8, seed=1))
    streamed = engine.first_token_logits(QUESTION)
    wrong = scaffold_oracle_logits(
        smol, engine, visual_tokens, TIMES, events, QUESTION, "compact", bug=bug
    )
    assert (streamed - wrong).abs().max() > 100 * TOLERANCE


@pytest.mark.parametrize("family", ["llava-onevision", "llava-video", "smolvlm2"])
def test_make_tiny_model_writes_each_family_loadable_like_a_download(family, tmp_path):
    import json

    from videoscan_core.adapters import load_model
    from videoscan_core.adapters.loading import family_of
    from videoscan_core.tiny.llava import make_tiny_model

    folder = make_tiny_model(tmp_path / family, family=family)
    assert family_of(json.loads((folder / "config.json").read_text())) == family
    vlm = load_model(folder, device="cpu")
    assert vlm.family == family and vlm.dtype == torch.float32
    frame = np.random.default_rng(0).integers(0, 256, (40, 56, 3), dtype=np.uint8)
    engine = StreamingEngine(vlm, EngineConfig(memory_size=2))
    for t in range(3):
        engine.add_frame(frame, float(t))
    assert engine.first_token_logits(QUESTION).abs().max() > 0.1


def test_bad_checkpoints_name_what_is_wrong(tmp_path):
    import json

    from videoscan_core.adapters import load_model
    from videoscan_core.errors import ModelLoadError
    from videoscan_core.tiny.llava import make_tiny_model

    other = tmp_path / "other"
    other.mkdir()
    (other / "config.json").write_text(json.dumps({"model_type": "whisper"}))
    with pytest.raises(ModelLoadError, match="LLaVA-OneVision, LLaVA-Video, SmolVLM2"):
        load_model(other, device="cpu")
    folder = make_tiny_model(tmp_path / "smol", family="smolvlm2")
    (folder / "preprocessor_config.json").unlink()
    with pytest.raises(ModelLoadError, match="preprocessor_config.json"):
        load_model(folder, device="cpu")
    (folder / "tokenizer.json").unlink()
    (folder / "tokenizer_config.json").unlink()
    (folder / "preprocessor_config.json").write_text("{}")
    with pytest.raises(ModelLoadError, match="tokenizer.json"):
        load_model(folder, device="cpu")


def test_cli_make_tiny_model_takes_a_family(tmp_path):
    from videoscan_core.cli.main import build_parser

    args = build_parser().parse_args(
        ["make-tiny-model", str(tmp_path / "smol"), "--family", "smolvlm2"]
    )
    assert args.handler(args) == 0
    config = (tmp_path / "smol" / "config.json").read_text()
    assert '"model_type": "smolvlm"' in config
