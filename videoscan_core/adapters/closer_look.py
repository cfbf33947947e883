"""A closer look at the newest frame: the family's own image path at a higher resolution.

Contract: when a question is asked (``EngineConfig.closer_look``), the engine prefills the newest
frame once more after the memory, as the family's image processor and processor prompt lay out
one image, and rolls it back with the question; frames in memory stay at the video budget.

- SmolVLM2: transformers' ``SmolVLMImageProcessorPil`` with image splitting,
  longest edge ``LOOK_TILES`` tiles (1024 px for the 512 px tile of 256M / 500M): the frame is
  resized to multiples of the tile size (``max_image_size``) and cut into rows x cols tiles plus the
  global image (2 x 2 + 1 for a 16:9 screen: 5 x 64 = 320 visual tokens), each N tokens; the text is
  the processor's split-image prompt (``split_image_prompt``:
  ``<fake_token_around_image><row_r_col_c>`` + N ``<image>`` per tile, a newline per row, then
  ``\\n<fake_token_around_image><global-img>`` + N ``<image>`` + ``<fake_token_around_image>``),
  whose ``<image>`` entries receive the tiles' tokens in order as ``SmolVLMModel.inputs_merger``
  places them. 1-D positions: text positions.
- Qwen-VL: the image path of the checkpoint's image processor (a per-image pixel
  budget, ``QwenVLModel.look_frames``) capped at ``LOOK_TOKENS`` (2,048) tokens: a 1080p frame is
  34 x 60 = 2,040 tokens on Qwen3-VL (its image budget), 33 x 60 on Qwen2.5-VL (capped), against
  720 in memory. The chunk is ``<|vision_end|><|vision_start|>`` + the image's tokens (the
  question's ``<|vision_end|>`` closes it: a video then an image in one user turn, as the chat
  templates write it), placed as ``get_rope_index`` places an image (t = the block's start, h/w
  on its grid), with Qwen3-VL's DeepStack features.

The adapters' ``closer_look(frame)`` return a ``FrameInputs`` without carrier (SmolVLM2 in
``smolvlm.py``, Qwen-VL in ``qwen_vl.py``; this module holds what they share and imports none of
them); ``look_positions`` on the adapter places it.
"""

from __future__ import annotations

import dataclasses

LOOK_TILES = 2  # SmolVLM2: the closer look's longest edge in tiles (1024 px at 512 px tiles)
LOOK_TOKENS = 2048  # Qwen-VL: at most this many tokens for the closer look


def split_image_prompt(tokens: int, rows: int, cols: int) -> str:
    """SmolVLM2's processor text for one image split into ``rows x cols`` tiles + global."""
    fake, image = "<fake_token_around_image>", "<image>"
    text = ""
    for row in range(rows):
        for col in range(cols):
            text += f"{fake}<row_{row + 1}_col_{col + 1}>" + image * tokens
        text += "\n"
    return text + f"\n{fake}<global-img>" + image * tokens + fake


def smolvlm_image_processor(vlm):
    """transformers' SmolVLM image processor (PIL backend) for the closer look."""
    from transformers.models.smolvlm.image_processing_pil_smolvlm import SmolVLMImageProcessorPil

    frames = vlm.preprocessor
    return SmolVLMImageProcessorPil(
        size={"longest_edge": LOOK_TILES * frames.size},
        max_image_size={"longest_edge": frames.size},
        resample=frames.resample,
        image_mean=list(frames.mean),
        image_std=list(frames.std),
        do_image_splitting=True,
    )


def image_budget(frames, frame_tokens: int = LOOK_TOKENS):
    """A Qwen frame processor's image path: per-image budget, capped at ``frame_tokens``."""
    return dataclasses.replace(frames, clip_budget=False, frame_tokens=frame_tokens)
