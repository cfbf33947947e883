"""The bundled demo: a small model trained on the synthetic benchmark, and demo videos.

Contract (the demo model's folder is ``paths.bundled_demo_model()``):
``run_demo(model, seed, videos)`` streams fresh synthetic test videos through the real engine,
asks their multiple-choice questions (scored by option letter) and, with ``words`` > 0, that many
free-form questions (``eval/synthetic_words.py``; scored by exact match of the words; a two-turn
follow-up is asked after its first question, with the conversation on) and scores them.
``write_demo_video(path, seed)`` writes one synthetic video, enlarged for display, as a file the
app can play.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class DemoAnswer:
    video: int
    kind: str
    question: str
    expected: str
    predicted: str
    words: bool = False  # a free-form question (scored on its words, not a letter)
    history: tuple[tuple[str, str], ...] = ()  # earlier turns a follow-up was asked after

    @property
    def correct(self) -> bool:
        from .synthetic import answer_letter
        from .synthetic_words import answer_matches

        if self.words:
            return answer_matches(self.predicted, self.expected)
        return answer_letter(self.predicted) == self.expected


@dataclass
class DemoResult:
    seed: int
    videos: int
    answers: list[DemoAnswer] = field(default_factory=list)

    def accuracy(self, kind: str | None = None, words: bool = False) -> float:
        chosen = [a for a in self.answers if a.words == words and (kind is None or a.kind == kind)]
        return sum(a.correct for a in chosen) / len(chosen) if chosen else float("nan")

    def to_json(self) -> dict:
        """Multiple-choice ``accuracy``/``per_type``; free-form ``word_accuracy``/``word_per_type``
        (None where nothing was asked)."""
        from .synthetic import QUESTION_TYPES
        from .synthetic_words import WORD_KINDS

        def rounded(value: float):
            return None if value != value else round(value, 4)

        asked = {a.kind for a in self.answers if a.words}
        return {
            "accuracy": rounded(self.accuracy()),
            "per_type": {kind: rounded(self.accuracy(kind)) for kind in QUESTION_TYPES},
            "questions": sum(not a.words for a in self.answers),
            "word_accuracy": rounded(self.accuracy(words=True)),
            "word_per_type": {
                kind: rounded(self.accuracy(kind, words=True))
                for kind in WORD_KINDS
                if kind in asked
            },
            "word_questions": sum(a.words for a in self.answers),
            "videos": self.videos,
            "seed": self.seed,
        }


def run_demo(
    model,
    seed: int = 0,
    videos: int = 5,
    memory_size: int = 16,
    on_answer=None,
    words: int = 0,
) -> DemoResult:
    """Stream ``videos`` fresh test videos (from ``seed``) and answer their questions (and
    ``words`` free-form ones per video)."""
    from ..config import EngineConfig, GenerationOptions
    from ..stream.engine import StreamingEngine
    from ..stream.frame_batches import stream_frames
    from .synthetic import make_video, split_seeds
    from .synthetic_words import word_questions

    letter, phrase = GenerationOptions(max_new_tokens=3), GenerationOptions(max_new_tokens=32)

    engine = StreamingEngine(model, EngineConfig(memory_size=memory_size))
    result = DemoResult(seed, videos)
    for number, video_seed in enumerate(split_seeds("test", videos, start=seed), 1):
        video = make_video(video_seed)
        engine.reset()
        for _ in stream_frames(engine, zip(video.timestamps, video.frames, strict=True)):
            pass
        asked = [DemoAnswer(number, q.kind, q.text, q.answer, "") for q in video.questions] + [
            DemoAnswer(number, q.kind, q.text, q.answer, "", True, q.history)
            for q in (word_questions(video, count=words) if words else [])
        ]
        for item in asked:
            engine.clear_conversation()
            for earlier, _ in item.history:  # a follow-up: its first question is really asked
                engine.answer(earlier, phrase)
            options = phrase if item.words else letter
            finals = list(engine.ask(item.question, options, use_history=bool(item.history)))
            item.predicted = finals[-1].answer
            item.history = engine.history.turns()[:-1] if item.history else ()
            result.answers.append(item)
            if on_answer is not None:
                on_answer(item, video)
    return result


def write_demo_video(path: str | Path, seed: int = 0, scale: int = 6, fps: float = 1.0) -> Path:
    """One synthetic test video as an MP4 (frames enlarged ``scale`` times for display)."""
    import numpy as np

    from ..video import cv2_path, import_cv2
    from .synthetic import make_video, split_seeds

    cv2 = import_cv2()
    video = make_video(split_seeds("test", 1, start=seed)[0])
    size = video.frames[0].shape[0] * scale
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(cv2_path(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (size, size))
    for frame in video.frames:
        big = np.kron(frame, np.ones((scale, scale, 1), dtype=np.uint8))
        writer.write(cv2.cvtColor(big, cv2.COLOR_RGB2BGR))
    writer.release()
    return path
