"""Each public benchmark format loads from a tiny fixture and runs through the engine."""

from __future__ import annotations

import json

import numpy as np
import pytest

from videoscan_core.errors import VideoScanError
from videoscan_core.eval.public import load_items, run_public_benchmark, score
from videoscan_core.video import import_cv2


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    cv2 = import_cv2()
    for name, colour in (("a", (0, 0, 200)), ("b", (0, 200, 0))):
        writer = cv2.VideoWriter(
            str(folder / f"{name}.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 4.0, (40, 30)
        )
        for i in range(24):
            frame = np.full((30, 40, 3), colour, np.uint8)
            frame[5:15, i : i + 10] = 255
            writer.write(frame)
        writer.release()
    return folder


FIXTURES = {
    "mvbench": [
        {
            "video": "a.mp4",
            "question": "What moves?",
            "candidates": ["a box", "a cat"],
            "answer": "a box",
        },
        {
            "video": "b.mp4",
            "question": "Colour?",
            "candidates": ["red", "green", "blue"],
            "answer": "green",
        },
    ],
    "mlvu": [
        {
            "video": "a.mp4",
            "question": "Topic?",
            "candidates": ["x", "y", "z", "w"],
            "answer": "z",
            "question_type": "topic_reasoning",
            "duration": 6,
        },
    ],
    "longvideobench": [
        {
            "video_path": "b.mp4",
            "question": "Which?",
            "candidates": ["p", "q", "r"],
            "correct_choice": 1,
            "question_category": "T3O",
            "duration_group": 15,
        },
    ],
    "videomme": [
        {
            "videoID": "a",
            "question": "Count?",
            "options": ["A. 1", "B. 2", "C. 3", "D. 4"],
            "answer": "C",
            "task_type": "Counting Problem",
            "duration": "short",
        },
    ],
    "vstream": [
        {
            "video": "a.mp4",
            "question": "What is happening?",
            "answer": "a box moves",
            "end_time": 2.0,
        },
        {"video": "a.mp4", "question": "And at the end?", "answer": "it stops"},
    ],
}
EXPECTED = {
    "mvbench": ["A", "B"],
    "mlvu": ["C"],
    "longvideobench": ["B"],
    "videomme": ["C"],
    "vstream": ["a box moves", "it stops"],
}


@pytest.mark.parametrize("fmt", list(FIXTURES))
def test_formats_load_and_run(fmt, clips, tiny_model_dir, tmp_path):
    annotation = tmp_path / f"{fmt}.json"
    annotation.write_text(json.dumps(FIXTURES[fmt]))
    items = load_items(fmt, annotation, clips)
    assert [item.answer for item in items] == EXPECTED[fmt]
    assert all(item.video.exists() for item in items)
    if fmt == "videomme":
        assert items[0].options == ["1", "2", "3", "4"]
        assert "\nC. 3\n" in items[0].prompt()  # lmms-eval's VideoMME layout
    from videoscan_core.adapters import load_model

    predictions = tmp_path / "predictions.jsonl"
    summary = run_public_benchmark(
        fmt, load_model(tiny_model_dir), annotation, clips, memory=4, predictions_path=predictions
    )
    assert summary["items"] == len(items) and summary["errors"] == 0
    assert summary["frames"] == 6 * len({item.video for item in items})  # 6 s at 1 FPS, once
    rows = [json.loads(line) for line in predictions.read_text().splitlines()]
    assert len(rows) == len(items) and all("prediction" in row for row in rows)
    if fmt == "vstream":
        assert rows[0]["asked_at"] == 2.0 and "f1" in summary  # asked when the stream got there
    assert "| **all** |" in summary["table"]


def test_scoring_rules():
    from videoscan_core.eval.public import QAItem

    mc = QAItem(video=None, question="q", options=["x", "y"], answer="B")
    assert score(mc, "B")["correct"] and score(mc, "(B) y")["correct"]
    assert not score(mc, "A")["correct"]
    assert score(mc, "The answer is B")["correct"] and score(mc, "Best option: (B)")["correct"]
    assert score(mc, "y")["correct"]  # the option's text alone
    open_ended = QAItem(video=None, question="q", options=None, answer="A red box moves.")
    assert score(open_ended, "a red box moves")["correct"]
    assert 0 < score(open_ended, "the box moves")["f1"] < 1


def test_missing_video_is_reported_per_item(tmp_path, tiny_model_dir):
    annotation = tmp_path / "mlvu.json"
    annotation.write_text(json.dumps([{**FIXTURES["mlvu"][0], "video": "gone.mp4"}]))
    from videoscan_core.adapters import load_model

    summary = run_public_benchmark("mlvu", load_model(tiny_model_dir), annotation)
    assert summary["errors"] == 1 and summary["accuracy"] == 0.0


def test_refused_before_any_model_work(tmp_path):
    annotation = tmp_path / "mlvu.json"
    annotation.write_text(json.dumps(FIXTURES["mlvu"]))
    model = object()  # never touched: every check comes first
    with pytest.raises(VideoScanError, match="limit"):
        run_public_benchmark("mlvu", model, annotation, limit=-1)
    with pytest.raises(VideoScanError, match="video folder"):
        run_public_benchmark("mlvu", model, annotation, tmp_path / "nowhere")
    with pytest.raises(VideoScanError, match="cannot write predictions"):
        run_public_benchmark(
            "mlvu", model, annotation, predictions_path=tmp_path / "no" / "p.jsonl"
        )


@pytest.mark.slow
def test_resume_official_memory_and_video_length(clips, tiny_model_dir, tmp_path):
    from videoscan_core.adapters import load_model

    annotation = tmp_path / "mvbench.json"
    rows = FIXTURES["mvbench"] + [{**FIXTURES["mvbench"][0], "question": "Again?"}]
    annotation.write_text(json.dumps(rows))
    predictions = tmp_path / "p.jsonl"
    model = load_model(tiny_model_dir)
    first = run_public_benchmark(
        "mvbench", model, annotation, clips, memory=3, limit=1, predictions_path=predictions
    )
    assert first["items"] == 1 and len(predictions.read_text().splitlines()) == 1
    asked = []
    original = __import__("videoscan_core.eval.public", fromlist=["_Runner"])._Runner._ask

    def spy(self, item, at, error=None):
        asked.append((item.id, at, len(self.engine.bank.entries)))
        return original(self, item, at, error)

    import videoscan_core.eval.public as public

    public._Runner._ask = spy
    try:
        summary = run_public_benchmark(
            "mvbench",
            model,
            annotation,
            clips,
            memory=3,
            predictions_path=predictions,
            memory_semantics="official",
        )
    finally:
        public._Runner._ask = original
    assert [a[0] for a in asked] == ["2", "1"]  # item 0 was not redone
    assert all(at == 6.0 for _, at, _ in asked)  # the video's length, not the last frame (5 s)
    assert all(kept == 3 for _, _, kept in asked)  # M-1 = 2 survivors + the last frame
    assert summary["items"] == 3
    assert sorted(json.loads(line)["id"] for line in predictions.read_text().splitlines()) == [
        "0",
        "1",
        "2",
    ]


@pytest.mark.slow
def test_a_truncated_video_is_an_error_not_a_wrong_answer(tiny_model_dir, tmp_path):
    from tests.core.test_short_read import cut_in_half, write_mjpg_avi
    from videoscan_core.adapters import load_model

    cut_in_half(write_mjpg_avi(tmp_path / "full.avi", frames=40), tmp_path / "half.avi")
    annotation = tmp_path / "mlvu.json"
    annotation.write_text(json.dumps([{**FIXTURES["mlvu"][0], "video": "half.avi"}]))
    summary = run_public_benchmark("mlvu", load_model(tiny_model_dir), annotation, memory=4)
    assert summary["errors"] == 1 and summary["wrong"] == 0 and summary["accuracy"] == 0.0
    assert "could not be read in full" in summary["table"]


@pytest.mark.slow
def test_an_interrupted_eval_resumes_without_redoing_items(clips, tiny_model_dir, tmp_path):
    import videoscan_core.eval.public as public
    from videoscan_core.adapters import load_model

    annotation = tmp_path / "mvbench.json"
    annotation.write_text(json.dumps(FIXTURES["mvbench"] * 2))  # items 0-3, videos a, b
    predictions = tmp_path / "p.jsonl"
    model = load_model(tiny_model_dir)
    original, asked = public._Runner._ask, []

    def interrupted(self, item, at, error=None):
        if len(asked) == 2:
            raise KeyboardInterrupt  # Ctrl-C while the third answer is generated
        asked.append(item.id)
        return original(self, item, at, error)

    public._Runner._ask = interrupted
    try:
        with pytest.raises(KeyboardInterrupt):
            run_public_benchmark("mvbench", model, annotation, clips, predictions_path=predictions)
    finally:
        public._Runner._ask = original
    done = [json.loads(line)["id"] for line in predictions.read_text().splitlines()]
    assert done == asked == ["0", "2"]  # both questions on video a, written as they were made

    def counted(self, item, at, error=None):
        asked.append(item.id)
        return original(self, item, at, error)

    public._Runner._ask = counted
    try:
        summary = run_public_benchmark(
            "mvbench", model, annotation, clips, predictions_path=predictions
        )
    finally:
        public._Runner._ask = original
    assert asked[2:] == ["1", "3"] and summary["items"] == 4
