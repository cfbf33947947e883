"""The bundled demo: a small model trained on the synthetic benchmark, and demo videos.

Contract (the demo model's folder is ``paths.bundled_demo_model()``):
``run_demo(model, seed, videos)`` streams fresh synthetic test videos through the real engine,
asks their questions and scores them.
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

    @property
    def correct(self) -> bool:
        from .eval.synthetic import answer_letter

        return answer_letter(self.predicted) == self.expected


@dataclass
class DemoResult:
    seed: int
    videos: int
    answers: list[DemoAnswer] = field(default_factory=list)

    def accuracy(self, kind: str | None = None) -> float:
        chosen = [a for a in self.answers if kind is None or a.kind == kind]
        return sum(a.correct for a in chosen) / len(chosen) if chosen else float("nan")

    def to_json(self) -> dict:
        from .eval.synthetic import QUESTION_TYPES

        per_type = {}
        for kind in QUESTION_TYPES:
            value = self.accuracy(kind)
            per_type[kind] = None if value != value else round(value, 4)
        return {
            "accuracy": round(self.accuracy(), 4),
            "per_type": per_type,
            "questions": len(self.answers),
            "videos": self.videos,
            "seed": self.seed,
        }


def run_demo(
    model, seed: int = 0, videos: int = 5, memory_size: int = 16, on_answer=None
) -> DemoResult:
    """Stream ``videos`` fresh test videos (from ``seed``) and answer their questions."""
    from .config import EngineConfig, GenerationOptions
    from .eval.synthetic import make_video, split_seeds
    from .stream.engine import StreamingEngine
    from .stream.frame_batches import stream_frames

    engine = StreamingEngine(model, EngineConfig(memory_size=memory_size))
    result = DemoResult(seed, videos)
    for number, video_seed in enumerate(split_seeds("test", videos, start=seed), 1):
        video = make_video(video_seed)
        engine.reset()
        for _ in stream_frames(engine, zip(video.timestamps, video.frames, strict=True)):
            pass
        for question in video.questions:
            predicted = engine.answer(question.text, GenerationOptions(max_new_tokens=3))
            answer = DemoAnswer(number, question.kind, question.text, question.answer, predicted)
            result.answers.append(answer)
            if on_answer is not None:
                on_answer(answer, video)
    return result


def write_demo_video(path: str | Path, seed: int = 0, scale: int = 6, fps: float = 1.0) -> Path:
    """One synthetic test video as an MP4 (frames enlarged ``scale`` times for display)."""
    import numpy as np

    from .eval.synthetic import make_video, split_seeds
    from .video import import_cv2

    cv2 = import_cv2()
    video = make_video(split_seeds("test", 1, start=seed)[0])
    size = video.frames[0].shape[0] * scale
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (size, size))
    for frame in video.frames:
        big = np.kron(frame, np.ones((scale, scale, 1), dtype=np.uint8))
        writer.write(cv2.cvtColor(big, cv2.COLOR_RGB2BGR))
    writer.release()
    return path
