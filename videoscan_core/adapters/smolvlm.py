"""SmolVLM2 (``SmolVLMForConditionalGeneration``: SigLIP + pixel shuffle + Linear + Llama).

Contract: ``SmolVLMModel`` is a ``base.VisionLanguageModel``. Frames are laid out as transformers'
SmolVLM video processor and its video prompt lay them out: each frame is resized to the square
``max_image_size`` (LANCZOS, one resize; the processor first resizes the longest edge, then forces
the square), rescaled by 1/255 and normalised with mean/std 0.5, never split into tiles;
``encode`` runs vision tower (``last_hidden_state``, after ``post_layernorm``) -> connector (pixel
shuffle by ``scale_factor`` + Linear): N = (S/P)^2 / scale^2 tokens (64 at 512 px / 16 / 4).
Around each frame's visual tokens sits the video template's text
``"\\nFrame from MM:SS:<fake_token_around_image><global-img>"`` and
``"<fake_token_around_image>"``; the ``"\\nFrame from MM:SS:"`` tokens stay in memory with the
frame's carrier (the model reads a frame's time only there). The conversation is SmolVLM2's own
default chat template: ``<|im_start|>System: {system}<end_of_utterance>\\nUser: {intro}`` before
the frames, ``"\\n\\n{question}<end_of_utterance>\\nAssistant:"`` after them. The processor's
intro names the frame count and the duration, which a live stream does not know yet;
``STREAM_INTRO`` keeps its wording without them. A checkpoint whose own chat template is ChatML (a
SmolVLM2 built here on SmolLM2-Instruct, ``smollm2_vlm.py``) keeps its language model's
conversation instead (``CHATML_VIDEO_PROMPT``: each frame's scaffold inside the user turn, then the
question, so a question with no frames is exactly SmolLM2's own chat prompt). Positions are plain
1-D Llama RoPE (the base class's).
"""

from __future__ import annotations

import numpy as np
import torch

from . import base
from .preprocess import FramePreprocessor
from .prompt import PromptFormat

LANCZOS = 1  # PIL's numbering, as in SmolVLM2's preprocessor_config.json

# transformers' DEFAULT_VIDEO_INTRO without "{frame_count}" and "{video_duration} [H:MM:SS]"
STREAM_INTRO = "You are provided the following series of frames from a video.\n"
FAKE_TOKEN = "<fake_token_around_image>"
GLOBAL_TOKEN = "<global-img>"
IMAGE_TOKEN = "<image>"
END_OF_UTTERANCE = "<end_of_utterance>"
SPECIAL_TOKENS = (FAKE_TOKEN, GLOBAL_TOKEN, IMAGE_TOKEN, END_OF_UTTERANCE)

SMOLVLM_PROMPT = PromptFormat(
    system_template="<|im_start|>System: {system}" + END_OF_UTTERANCE + "\nUser: " + STREAM_INTRO,
    question_template="\n\n{body}" + END_OF_UTTERANCE + "\nAssistant:",
    stop_tokens=(END_OF_UTTERANCE, "<|im_end|>", "<|endoftext|>"),
    frame_before="\nFrame from {mmss}:" + FAKE_TOKEN + GLOBAL_TOKEN,
    frame_after=FAKE_TOKEN,
    frame_time="\nFrame from {mmss}:",
)

# SmolVLM2's frame scaffold inside a ChatML conversation (the language model's own template)
CHATML_VIDEO_PROMPT = PromptFormat(
    system_template="<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n",
    question_template="{body}<|im_end|>\n<|im_start|>assistant\n",
    stop_tokens=("<|im_end|>", "<|endoftext|>"),
    frame_before="Frame from {mmss}:" + FAKE_TOKEN + GLOBAL_TOKEN,
    frame_after=FAKE_TOKEN + "\n",
    frame_time="Frame from {mmss}:",
)


def prompt_format_of(tokenizer) -> PromptFormat:
    """``CHATML_VIDEO_PROMPT`` when the tokenizer's chat template renders ChatML turns, else
    SmolVLM2's own (``SMOLVLM_PROMPT``)."""
    try:
        text = tokenizer.apply_chat_template(
            [{"role": "user", "content": "x"}], tokenize=False, add_generation_prompt=True
        )
    except Exception:  # no template, or SmolVLM2's (it wants a list of content parts)
        return SMOLVLM_PROMPT
    chatml = isinstance(text, str) and "<|im_start|>user\nx<|im_end|>" in text
    return CHATML_VIDEO_PROMPT if chatml else SMOLVLM_PROMPT


class SmolVLMModel(base.VisionLanguageModel):
    """SmolVLM2 behind the adapter interface (1-D positions, scaffold text around frames)."""

    family = "smolvlm2"

    def __init__(self, model, tokenizer, **options) -> None:
        size = int(model.config.vision_config.image_size)
        options.setdefault("preprocessor", FramePreprocessor(size, resample=LANCZOS))
        options.setdefault("prompt", prompt_format_of(tokenizer))
        options.setdefault("time_instruction", False)  # times are in each frame's scaffold
        super().__init__(model, tokenizer, **options)
        self.scale_factor = int(self.config.scale_factor)
        if self.prompt is CHATML_VIDEO_PROMPT:
            self._never_predict(SPECIAL_TOKENS)

    def _never_predict(self, tokens: tuple[str, ...]) -> None:
        """In a ChatML conversation SmolVLM2's special tokens are frame scaffold only: the head
        never predicts them (their rows, appended to a tied vocabulary, cannot change an
        answer of the language model)."""
        vocab = self.tokenizer.get_vocab()
        ids = torch.tensor([vocab[t] for t in tokens if t in vocab], dtype=torch.long)

        def mask(module, args, logits: torch.Tensor) -> torch.Tensor:
            where = ids.to(logits.device)
            return logits.index_fill(-1, where, torch.finfo(logits.dtype).min)

        if len(ids):
            self.lm_head.register_forward_hook(mask)

    @property
    def decoder(self):
        """The Llama text model without its head."""
        return self.model.model.text_model

    @property
    def tokens_per_frame(self) -> int:
        return int(self.model.model.image_seq_len)

    def vision_layers(self) -> list[torch.nn.Module]:
        return list(self.model.model.vision_model.encoder.layers)

    def encode(self, pixels: torch.Tensor) -> base.VisualTokens:
        """[F, 3, S, S] pixels -> [F, N, D]: vision tower, then pixel shuffle + projection."""
        return base.VisualTokens(encode_smolvlm_tokens(self.model, pixels))

    def training_parts(self) -> tuple[torch.nn.Module, list[torch.nn.Module]]:
        return self.model.model.vision_model, [self.model.model.connector]

    def closer_look(self, frame) -> base.FrameInputs:
        """The frame split as the image processor splits it at longest edge 1024 (2 x 2 tiles of
        512 + the global image), in the processor's split-image prompt (``closer_look.py``)."""
        from .closer_look import smolvlm_image_processor, split_image_prompt

        out = smolvlm_image_processor(self)(images=[[frame]], return_row_col_info=True)
        pixels = torch.from_numpy(np.asarray(out["pixel_values"][0]))  # [tiles + 1, 3, S, S]
        rows, cols = int(out["rows"][0][0]), int(out["cols"][0][0])
        tokens = encode_smolvlm_tokens(self.model, pixels.to(self.device, self.dtype))  # [T, N, D]
        ids = self.tokenize(split_image_prompt(tokens.shape[1], rows, cols))  # [1, q]
        inputs = self.embed(ids).clone()  # [1, q, D]
        where = ids[0] == self.tokenizer.convert_tokens_to_ids(IMAGE_TOKEN)
        inputs[0, where] = tokens.reshape(-1, tokens.shape[-1]).to(inputs.dtype)
        return base.FrameInputs(inputs, ids.shape[1], 0, 0, False)


def encode_smolvlm_tokens(model, pixels: torch.Tensor) -> torch.Tensor:
    """What ``SmolVLMModel.get_image_features`` gives for unpadded, unsplit frames:
    [F, 3, S, S] -> [F, N, D]. Differentiable."""
    inner = model.model
    hidden = inner.vision_model(pixel_values=pixels.to(inner.dtype)).last_hidden_state
    return inner.connector(hidden)  # [F, (S/P)^2 / scale^2, D]
