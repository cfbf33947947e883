"""How a model answers self-contained word questions with and without earlier exchanges shown.

    OMP_NUM_THREADS=1 python scripts/measure_history_effect.py MODEL [VIDEOS]

Streams test-split synthetic videos (M=32), asks each video's word questions one after another
in one conversation (follow-ups skipped), once showing no history and once the last 2 exchanges
to every question (mode "always"), and prints the exact-match counts as JSON.
"""

from __future__ import annotations

import json
import sys

from videoscan_core.adapters import load_model
from videoscan_core.config import EngineConfig, GenerationOptions
from videoscan_core.eval.synthetic import make_video, split_seeds
from videoscan_core.eval.synthetic_words import answer_matches, word_questions
from videoscan_core.stream.engine import StreamingEngine


def main(model_path: str, videos: int) -> dict:
    model = load_model(model_path, device="cpu", dtype="float32")
    results = {}
    for turns in (0, 2):
        correct = asked = 0
        for start in range(videos):
            engine = StreamingEngine(model, EngineConfig(memory_size=32))
            engine.history.max_turns, engine.history.mode = turns, "always"
            video = make_video(split_seeds("test", 1, start=start)[0])
            for t, frame in zip(video.timestamps, video.frames, strict=True):
                engine.add_frame(frame, t)
            for question in word_questions(video, count=6):
                if question.history:
                    continue
                answer = engine.answer(question.text, GenerationOptions(max_new_tokens=32))
                correct += answer_matches(answer, question.answer)
                asked += 1
        results[f"history_turns_{turns}"] = {"correct": correct, "asked": asked}
    return results


if __name__ == "__main__":
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    print(json.dumps(main(sys.argv[1], count)))
