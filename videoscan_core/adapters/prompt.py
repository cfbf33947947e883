"""Prompt text around the frames: the system turn, each frame's scaffold and the question turn.

Contract: the language model sees ``system_text(...)`` tokens, then the frames (each one
``frame_text(t).before``, its visual tokens, ``frame_text(t).after``, its carrier), then
``question_text(...)`` (time instruction, screen text, question). The default format is ChatML,
the conversation template of LLaVA-OneVision and LLaVA-Video (Qwen2). ``time_instruction`` is
LLaVA-Video's wording with the real timestamps of the frames in memory. ``FrameText.time`` is the
leading part of ``before`` that states the frame's time (SmolVLM2's "\nFrame from MM:SS:"); its
tokens stay in memory with the frame's carrier after the rest of the frame is cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


def time_instruction(duration: float, timestamps: Sequence[float]) -> str:
    """LLaVA-Video's time instruction (its exact wording, including the missing space)."""
    located = ",".join(f"{t:.2f}s" for t in timestamps)
    return (
        f"The video lasts for {duration:.2f} seconds, and {len(timestamps)} frames are uniformly "
        f"sampled from it. These frames are located at {located}.Please answer the following "
        "questions related to this video."
    )


@dataclass(frozen=True)
class FrameText:
    """Scaffold text right before and right after one frame's visual tokens; ``time`` is the
    start of ``before`` that states the frame's time (kept with the carrier), "" for none."""

    before: str = ""
    after: str = ""
    time: str = ""

    def __post_init__(self) -> None:
        if not self.before.startswith(self.time):
            raise ValueError("a frame's time text must open its scaffold text")


def minutes_seconds(timestamp: float) -> str:
    """SmolVLM2's frame time: ``MM:SS`` from whole seconds (minutes not wrapped at 60)."""
    return f"{int(timestamp // 60):02d}:{int(timestamp % 60):02d}"


@dataclass(frozen=True)
class PromptFormat:
    """Where the frames sit in a conversation turn."""

    # Everything before the frames; {system} is the system prompt.
    system_template: str = "<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n"
    # Everything after the frames; {body} is the time instruction and the question.
    question_template: str = "\n{body}<|im_end|>\n<|im_start|>assistant\n"
    # Tokens that end an answer (looked up in the tokenizer when present).
    stop_tokens: tuple[str, ...] = ("<|im_end|>", "<|endoftext|>")
    # Text right before / after each frame's visual tokens; {mmss} is the frame time as MM:SS,
    # {seconds} in seconds with two decimals. Empty for LLaVA-OneVision / LLaVA-Video.
    frame_before: str = ""
    frame_after: str = ""
    # The start of frame_before that states the time (same fields), kept with the carrier.
    frame_time: str = ""

    def system_text(self, system_prompt: str) -> str:
        return self.system_template.format(system=system_prompt)

    def question_text(
        self, question: str, instruction: str | None = None, context: str | None = None
    ) -> str:
        """The question turn: the time instruction, the screen text (``context``, see
        ``screen_text/prompt.py``), then the question, one after the other on new lines."""
        body = "\n".join([*(part for part in (instruction, context) if part), question])
        return self.question_template.format(body=body)

    def frame_text(self, timestamp: float) -> FrameText:
        fields = {"mmss": minutes_seconds(timestamp), "seconds": f"{timestamp:.2f}"}
        return FrameText(
            self.frame_before.format(**fields),
            self.frame_after.format(**fields),
            self.frame_time.format(**fields),
        )


CHATML = PromptFormat()
