"""Training data: the synthetic benchmark and LLaVA-Video-178K-style JSON, plus the collator.

Contract: a dataset yields ``TrainingExample``s (frames sampled at 1 FPS with their timestamps, and
the video's questions with their answers; the questions are independent and are packed after the
frames, each seeing only itself). ``SyntheticDataset(split, videos)`` gives one example per
generated video. ``JsonVideoDataset(path)`` reads ``[{"video": "clip.mp4", "conversations":
[{"from": "human", "value": "<image>\\nQ"}, {"from": "gpt", "value": "A"}, ...]}]`` (paths relative
to the JSON file, or ``video_folder``); its human/gpt pairs become the questions. ``Collator`` turns
examples into padded tensors: normalised pixels ``[B, T, 3, S, S]`` with ``frame_counts`` (or, with
``raw_frames=True``, the frames and their times as lists for the adapter), and token ids of the
system, questions (with the time instruction unless the model was trained without it) and answers
``[B, K, L]``. The text is built by the same ``PromptFormat`` and ``time_instruction`` the engine
uses at inference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from ..adapters.preprocess import FramePreprocessor
from ..adapters.prompt import PromptFormat, time_instruction
from ..config import DEFAULT_SYSTEM_PROMPT
from ..errors import VideoReadError
from ..stream.history import prompt_with_history
from ..video import sample_frames


@dataclass
class TrainingExample:
    frames: list[np.ndarray]  # RGB uint8 [H, W, 3]
    timestamps: list[float]
    questions: list[str]  # independent questions about the video, packed in one sequence
    answers: list[str]
    kinds: list[str] | None = None
    # per question, earlier (question, answer) turns shown before it (follow-ups); None: none
    histories: list[tuple[tuple[str, str], ...]] | None = None
    # per question, the screen text shown before it (``render_screen_text``); None: none
    contexts: list[str | None] | None = None


class SyntheticDataset(Dataset):
    """One example per generated video, carrying all of its questions."""

    def __init__(
        self,
        split: str = "train",
        videos: int = 1000,
        start: int = 0,
        max_frames: int = 32,
        easy_fraction: float = 0.0,
        words: bool = False,
    ) -> None:
        from ..eval.synthetic import split_seeds

        self.words = words  # mix in free-form word questions (synthetic_words)
        self.seeds = split_seeds(split, videos, start)
        self.max_frames = max_frames
        # a curriculum: this fraction of the videos has at most two shapes (short, easy)
        self.easy_every = round(1 / easy_fraction) if easy_fraction > 0 else 0

    def __len__(self) -> int:
        return len(self.seeds)

    def __getitem__(self, index: int) -> TrainingExample:
        from ..eval.synthetic import make_video

        easy = self.easy_every and index % self.easy_every == 0
        video = make_video(self.seeds[index], max_events=2 if easy else 4)
        if self.words:
            return self._with_words(video)
        return TrainingExample(
            video.frames[-self.max_frames :],
            video.timestamps[-self.max_frames :],
            [q.text for q in video.questions],
            [q.answer for q in video.questions],
            [q.kind for q in video.questions],
        )

    def _with_words(self, video) -> TrainingExample:
        """Half the videos: the multiple-choice questions plus 4 word questions about the whole
        video; the other half: cut at a random frame (the screen may be blank "now"), 6 word
        questions about what was streamed up to there. A third of the questions also see 1-2
        earlier exchanges about the same video (as a conversation would show them), so the
        model learns to answer the new question, and a follow-up to answer about the last one.
        Every video also gets a contrastive condition drill about its last frame (true and false
        alert conditions, ``synthetic_conditions``); 40% of the cut videos end where an alert
        must fire or re-arm."""
        from ..eval.synthetic_conditions import condition_drill, onset_cut
        from ..eval.synthetic_words import word_questions

        rng = np.random.default_rng(video.seed * 31 + 5)
        if rng.random() < 0.5:
            cut, asked = len(video.frames), list(video.questions)
            words = word_questions(video, count=4)
        else:
            cut = int(rng.integers(video.events[0].start + 1, len(video.frames) + 1))
            if rng.random() < 0.4:
                cut = onset_cut(video, rng)
            asked, words = [], word_questions(video, cut=cut, count=6)
        words += condition_drill(video, cut, rng)
        extra = word_questions(video, seed=video.seed + 1, cut=cut, count=6)
        chat = [(q.text, q.answer) for q in words + extra if not q.history]
        histories = []
        for question in asked + words:
            earlier = tuple(getattr(question, "history", ()))
            if chat and rng.random() < 0.33:
                picks = rng.choice(len(chat), int(rng.integers(1, 3)), replace=False)
                earlier = tuple(chat[i] for i in picks if chat[i][0] != question.text) + earlier
            histories.append(earlier)
        start = max(0, cut - self.max_frames)
        return TrainingExample(
            video.frames[start:cut],
            video.timestamps[start:cut],
            [q.text for q in asked] + [q.text for q in words],
            [q.answer for q in asked] + [q.answer for q in words],
            [q.kind for q in asked] + [q.kind for q in words],
            histories,
        )


class JsonVideoDataset(Dataset):
    def __init__(
        self,
        path: str | Path,
        video_folder: str | Path | None = None,
        fps: float = 1.0,
        max_frames: int = 64,
        frames_per_clip: int = 0,
    ) -> None:
        self.path = Path(path)
        try:
            records = json.loads(self.path.read_text())
        except (OSError, ValueError) as error:
            raise VideoReadError(f"cannot read training data {self.path}: {error}") from None
        folder = Path(video_folder) if video_folder else self.path.parent
        self.items: list[tuple[Path, list[str], list[str]]] = []
        for record in records:
            turns = record.get("conversations", [])
            questions, answers = [], []
            for human, gpt in zip(turns[::2], turns[1::2], strict=False):
                if human.get("from") != "human" or gpt.get("from") != "gpt":
                    continue
                question = human["value"].replace("<image>", "").replace("<video>", "").strip()
                questions.append(question)
                answers.append(gpt["value"].strip())
            if questions:
                self.items.append((folder / record["video"], questions, answers))
        self.fps, self.max_frames = fps, max_frames
        self.frames_per_clip = frames_per_clip  # > 0: that many, uniform (the official recipe)
        self._cache: dict[Path, tuple[list, list]] = {}

    def __len__(self) -> int:
        return len(self.items)

    def _frames(self, video: Path) -> tuple[list[np.ndarray], list[float]]:
        if video not in self._cache:
            pairs = list(sample_frames(video, self.fps))
            if self.frames_per_clip > 0:  # uniform over the 1-fps samples, first and last kept
                picks = np.linspace(0, len(pairs) - 1, min(self.frames_per_clip, len(pairs)))
                pairs = [pairs[int(round(i))] for i in picks]
            pairs = pairs[-self.max_frames :]
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[video] = ([f for _, f in pairs], [t for t, _ in pairs])
        return self._cache[video]

    def __getitem__(self, index: int) -> TrainingExample:
        video, questions, answers = self.items[index]
        frames, stamps = self._frames(video)
        return TrainingExample(frames, stamps, questions, answers)


class Collator:
    """Examples -> the padded batch ``CarrierTrainingModel.forward`` takes."""

    def __init__(
        self,
        tokenizer,
        preprocessor: FramePreprocessor,
        prompt: PromptFormat | None = None,
        system_prompt: str = DEFAULT_SYSTEM_PROMPT,
        time_instruction: bool = True,
        raw_frames: bool = False,
    ) -> None:
        self.tokenizer = tokenizer
        self.raw_frames = raw_frames  # the adapter preprocesses (StreamReplayTrainingModel)
        self.time_instruction = time_instruction
        self.preprocessor = preprocessor
        self.prompt = prompt or PromptFormat()
        self.system_ids = self._ids(self.prompt.system_text(system_prompt))
        self.end_ids = self._ids(self.prompt.stop_tokens[0])

    def _ids(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def question_text(self, example: TrainingExample, question: str, history: tuple = (),
                      context: str | None = None) -> str:
        """The text after the frames, as the engine builds it (``prompt_with_history``)."""
        instruction = None
        if self.time_instruction:
            instruction = time_instruction(example.timestamps[-1], example.timestamps)
        return prompt_with_history(self.prompt, question, instruction, history, context)

    def _pixels(self, examples: list[TrainingExample]) -> dict:
        if self.raw_frames:  # RGB uint8 arrays and their times, per sample
            return {
                "frames": [list(e.frames) for e in examples],
                "timestamps": [list(e.timestamps) for e in examples],
            }
        size = self.preprocessor.size
        longest = max(len(e.frames) for e in examples)
        pixels = torch.zeros(len(examples), longest, 3, size, size)
        for row, example in enumerate(examples):
            stacked = np.stack([self.preprocessor(frame) for frame in example.frames])
            pixels[row, : len(example.frames)] = torch.from_numpy(stacked)
        return {
            "pixel_values": pixels,  # [B, T, 3, S, S]
            "frame_counts": torch.tensor([len(e.frames) for e in examples]),
        }

    def __call__(self, examples: list[TrainingExample]) -> dict:
        questions = [
            [
                self._ids(self.question_text(e, q, e.histories[k] if e.histories else (),
                                             e.contexts[k] if e.contexts else None))
                for k, q in enumerate(e.questions)
            ]
            for e in examples
        ]
        answers = [[self._ids(a) + self.end_ids for a in e.answers] for e in examples]
        pad = self.tokenizer.pad_token_id or 0
        return {
            **self._pixels(examples),
            "system_ids": torch.tensor([self.system_ids] * len(examples)),
            "qa_counts": torch.tensor([len(e.questions) for e in examples]),
            **_padded("question", questions, pad),  # question_ids [B, K, Lq]
            **_padded("answer", answers, pad),
        }


def _padded(name: str, rows: list[list[list[int]]], pad: int) -> dict[str, torch.Tensor]:
    """Token id lists per sample and question -> ``[B, K, L]`` ids and ``[B, K]`` lengths."""
    most = max(len(row) for row in rows)
    longest = max(len(ids) for row in rows for ids in row)
    ids = torch.full((len(rows), most, longest), pad, dtype=torch.long)
    lengths = torch.zeros(len(rows), most, dtype=torch.long)
    for b, row in enumerate(rows):
        for k, token_ids in enumerate(row):
            ids[b, k, : len(token_ids)] = torch.tensor(token_ids, dtype=torch.long)
            lengths[b, k] = len(token_ids)
    return {f"{name}_ids": ids, f"{name}_lengths": lengths}
