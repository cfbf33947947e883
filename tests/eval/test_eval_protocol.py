"""The evaluation protocol without a model: loaders on files in each benchmark's real format,
bad rows named, the official sampling schedule, clip bounds and frame folders, the predictions
log, the summary's MLVU M-avg and VideoMME durations, and the judge over a local server."""

from __future__ import annotations

import http.server
import json
import threading

import numpy as np
import pytest

from videoscan_core.errors import VideoScanError
from videoscan_core.eval.formats import load_items
from videoscan_core.eval.judge import Judge, parse_verdict
from videoscan_core.eval.predictions import PredictionLog, merge
from videoscan_core.eval.public import summarise
from videoscan_core.eval.sources import item_frames, official_step, video_length
from videoscan_core.video import import_cv2


def write_clip(path, seconds=6, fps=4.0):
    cv2 = import_cv2()
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (40, 30))
    for i in range(int(seconds * fps)):
        writer.write(np.full((30, 40, 3), (i * 10) % 255, np.uint8))
    writer.release()
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("media")
    write_clip(folder / "a.mp4")
    frames = folder / "tvqa_clip"
    frames.mkdir()
    cv2 = import_cv2()
    for i in range(9):  # 3 s at MVBench's 3 fps
        cv2.imwrite(str(frames / f"{i + 1:05d}.jpg"), np.full((30, 40, 3), 20 * i, np.uint8))
    return folder


@pytest.mark.parametrize(
    ("seconds", "step"),
    [(10, 1), (300, 1), (301, 2), (600, 2), (601, 3), (900, 3), (901, 4), (1280, 4), (3600, 5)],
)
def test_official_schedule(seconds, step):
    assert official_step(seconds) == step


def test_mvbench_bounds_and_frame_folder(media, tmp_path):
    annotation = tmp_path / "action_sequence.json"  # MVBench STAR task file: start/end bounds
    annotation.write_text(
        json.dumps(
            [
                {
                    "video": "a.mp4",
                    "question": "What did the person do first?",
                    "candidates": ["Sat on the bed.", "Took the towel."],
                    "answer": "Took the towel.",
                    "start": 2.0,
                    "end": 4.5,
                },
                {
                    "video": "tvqa_clip",
                    "question": "What is Sheldon holding?",
                    "candidates": ["A cup", "A book", "A phone"],
                    "answer": "A book",
                },
            ]
        )
    )
    bounded, folder = load_items("mvbench", annotation, media)
    assert (bounded.answer, bounded.start, bounded.end) == ("B", 2.0, 4.5)
    times = [t for t, _ in item_frames(bounded, "fps", 1.0)]
    assert times == [0.0, 1.0, 2.0]  # source 2, 3, 4 s re-based to the clip
    assert video_length(bounded) == pytest.approx(2.5)
    assert folder.answer == "B" and folder.video.is_dir()
    frames = list(item_frames(folder, "official"))
    assert [t for t, _ in frames] == [0.0, 1.0, 2.0] and frames[0][1].shape == (30, 40, 3)
    assert video_length(folder) == pytest.approx(3.0)


def test_real_format_records(tmp_path):
    videomme = tmp_path / "videomme.jsonl"  # the dataset's records (its parquet, as JSON lines)
    record = {
        "video_id": "001",
        "duration": "short",
        "domain": "Knowledge",
        "sub_category": "Humanity & History",
        "url": "https://www.youtube.com/watch?v=fFjv93ACGo8",
        "videoID": "fFjv93ACGo8",
        "question_id": "001-1",
        "task_type": "Counting Problem",
        "question": "How many people appear?",
        "options": ["A. One.", "B. Two.", "C. Three.", "D. Four."],
        "answer": "C",
    }
    videomme.write_text(json.dumps(record) + "\n" + json.dumps({**record, "duration": "long"}))
    items = load_items("videomme", videomme, tmp_path)
    assert [i.duration_group for i in items] == ["short", "long"]
    assert items[0].options == ["One.", "Two.", "Three.", "Four."] and items[0].answer == "C"
    assert items[0].video.name == "fFjv93ACGo8.mp4" and items[0].id == "0"
    # the dataset as published: videomme/test-00000-of-00001.parquet, options a list column
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = tmp_path / "test-00000-of-00001.parquet"
    pq.write_table(pa.Table.from_pylist([record, {**record, "duration": "medium"}]), parquet)
    assert pq.read_schema(parquet).field("options").type == pa.list_(pa.string())
    from_parquet = load_items("videomme", parquet, tmp_path)
    assert [i.duration_group for i in from_parquet] == ["short", "medium"]
    assert from_parquet[0].options == items[0].options and from_parquet[0].answer == "C"
    mlvu = tmp_path / "1_plotQA.json"
    mlvu.write_text(
        json.dumps(
            [
                {
                    "video": "movie101_66.mp4",
                    "duration": 246,
                    "question": "What color is the main male character in the video?",
                    "candidates": ["Yellow", "Red", "Green", "Blue"],
                    "answer": "Yellow",
                    "question_type": "plotQA",
                }
            ]
        )
    )
    (item,) = load_items("mlvu", mlvu, tmp_path)
    assert item.category == "plotQA" and item.prompt().endswith("Best option: (")
    vstream = tmp_path / "test_qa_ego4d.json"
    vstream.write_text(
        json.dumps(
            [
                {
                    "question_id": "ego_0",
                    "video_id": "ego4d_1",
                    "question": "What is the person cooking?",
                    "answer": "Pasta.",
                    "start_time": 0,
                    "end_time": 120,
                }
            ]
        )
    )
    (item,) = load_items("vstream", vstream, tmp_path)
    assert (item.video.name, item.ask_at, item.options) == ("ego4d_1.mp4", 120.0, None)


@pytest.mark.parametrize(
    ("fmt", "rows", "said"),
    [
        ("mvbench", [{"video": "a.mp4", "question": "q", "candidates": ["x"]}], "'answer'"),
        ("videomme", [{"videoID": "v", "question": "q", "options": ["A. x"], "answer": "E"}], "E"),
        ("mlvu", [{"video": "a", "question": "q", "candidates": ["x"], "answer": "y"}], "'y'"),
        ("longvideobench", ["not a row"], "not an object"),
    ],
)
def test_a_bad_row_is_named(fmt, rows, said, tmp_path):
    annotation = tmp_path / "data.json"
    annotation.write_text(json.dumps(rows))
    with pytest.raises(VideoScanError) as error:
        load_items(fmt, annotation, tmp_path)
    message = str(error.value)
    assert "row 0" in message and said in message and "expect" in message


def test_predictions_log_appends_resumes_and_merges(tmp_path):
    path = tmp_path / "p.jsonl"
    log = PredictionLog(path)
    log.append({"id": "0", "correct": True})
    assert json.loads(path.read_text()) == {"id": "0", "correct": True}  # on disk at once
    log.close()
    with open(path, "a") as file:
        file.write('{"id": "1", "corr')  # the run was killed mid-line
    again = PredictionLog(path)
    assert again.done == {"0"} and len(again.rows()) == 1
    again.append({"id": "2", "correct": False})
    again.close()
    other = tmp_path / "q.jsonl"
    other.write_text(json.dumps({"id": "1", "correct": True}) + "\n")
    rows = merge([path, other], tmp_path / "all.jsonl")
    assert [r["id"] for r in rows] == ["0", "1", "2"]
    with pytest.raises(VideoScanError, match="no folder"):
        PredictionLog(tmp_path / "missing" / "p.jsonl")


def test_a_kill_during_the_resume_rewrite_loses_no_row(tmp_path, monkeypatch):
    from videoscan_core.eval import predictions

    path = tmp_path / "p.jsonl"
    rows = [{"id": str(i), "correct": i % 2 == 0} for i in range(29)]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows) + '{"id": "29", "co')

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the process dies at the first row it rewrites

    monkeypatch.setattr(predictions.json, "dumps", killed)
    with pytest.raises(KeyboardInterrupt):
        PredictionLog(path)
    monkeypatch.undo()
    assert PredictionLog(path).rows() == rows
    assert [p.name for p in tmp_path.iterdir()] == ["p.jsonl"]


def test_summary_mlvu_m_avg_and_videomme_durations():
    rows = [
        {"category": "plotQA", "correct": True},
        {"category": "plotQA", "correct": True},
        {"category": "plotQA", "correct": True},
        {"category": "count", "correct": False},
    ]
    summary = summarise("mlvu", rows)
    assert summary["accuracy"] == 0.75 and summary["m_avg"] == 0.5  # task mean, not item mean
    rows = [
        {"category": "OCR", "duration_group": "short", "correct": True},
        {"category": "OCR", "duration_group": "long", "correct": False},
        {"category": "OCR", "duration_group": "long", "correct": False, "error": "cut"},
    ]
    summary = summarise("videomme", rows)
    assert summary["per_duration"] == {"long": 0.0, "short": 1.0}
    assert (summary["errors"], summary["wrong"]) == (1, 1)


class _JudgeServer(http.server.BaseHTTPRequestHandler):
    seen: list = []

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append(body)
        content = "{'pred': 'yes', 'score': 4}"
        reply = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(reply.encode())

    def log_message(self, *args):
        pass


def test_judge_over_an_openai_compatible_server():
    server = http.server.HTTPServer(("127.0.0.1", 0), _JudgeServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        judge = Judge(f"http://127.0.0.1:{server.server_port}/v1", timeout=10)
        verdict = judge.judge("What moves?", "a box", "the box")
    finally:
        server.shutdown()
    assert verdict == {"judge_yes": True, "judge_score": 4.0}
    sent = _JudgeServer.seen[-1]["messages"][1]["content"]
    assert "Correct Answer: a box" in sent and "Predicted Answer: the box" in sent
    assert parse_verdict("Sure: {'pred': 'no', 'score': 1}")["judge_yes"] is False
    with pytest.raises(VideoScanError, match="judge at"):
        Judge("http://127.0.0.1:9/v1", timeout=2).judge("q", "a", "p")


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (["--limit", "-1"], "--limit must be 0"),
        (["--video-folder", "nowhere"], "is not an existing folder"),
        (["--predictions", "no/such/p.jsonl"], "cannot write predictions"),
    ],
)
def test_eval_cli_refuses_before_loading_the_model(extra, said, tmp_path, capsys, monkeypatch):
    from videoscan_core.cli.main import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "mlvu.json").write_text(
        json.dumps([{"video": "a.mp4", "question": "q", "candidates": ["x"], "answer": "x"}])
    )
    code = main(["eval", "mlvu", "--model", "no-such-model-folder", "--data", "mlvu.json", *extra])
    assert code != 0 and said in capsys.readouterr().err


def test_eval_cli_names_the_bad_row(tmp_path, capsys):
    from videoscan_core.cli.main import main

    data = tmp_path / "mlvu.json"
    data.write_text(json.dumps([{"video": "a.mp4", "question": "q", "candidates": ["x"]}]))
    assert main(["eval", "mlvu", "--model", "x", "--data", str(data)]) != 0
    assert "row 0 has no field 'answer'" in capsys.readouterr().err


def test_eval_flags_reach_the_runner(tmp_path, monkeypatch):
    import videoscan_core.adapters as adapters
    import videoscan_core.adapters.vision_runtime as vision_runtime
    import videoscan_core.eval.sharded as sharded
    from videoscan_core.cli.main import main

    data = tmp_path / "vstream.json"
    data.write_text(json.dumps([{"video": "a.mp4", "question": "q", "answer": "a"}]))
    seen = {}
    monkeypatch.setattr(adapters, "load_model", lambda *a, **k: "model")
    runtimes = []
    monkeypatch.setattr(
        vision_runtime, "attach", lambda model, mode: runtimes.append((model, mode))
    )

    def run_sharded(fmt, model, annotation, predictions, **options):
        seen.update(fmt=fmt, model=model, predictions=predictions, **options)
        return {"table": "t"}

    monkeypatch.setattr(sharded, "run_sharded", run_sharded)
    args = ["eval", "vstream", "--model", "m", "--data", str(data), "--memory", "7"]
    args += ["--fps", "2", "--limit", "3", "--memory-semantics", "official", "--restart"]
    args += ["--judge-url", "http://127.0.0.1:1/v1", "--predictions", str(tmp_path / "p.jsonl")]
    assert main(args) == 0
    assert (seen["memory"], seen["fps"], seen["limit"], seen["sampling"]) == (7, 2.0, 3, "fps")
    assert seen["memory_semantics"] == "official" and seen["resume"] is False
    assert seen["judge"].url == "http://127.0.0.1:1/v1/chat/completions"
    assert seen["predictions"] == str(tmp_path / "p.jsonl") and seen["model"] == "model"
    assert runtimes == [("model", "auto")]  # --vision-runtime's default reaches the model
    seen.clear()
    assert main(["eval", "vstream", "--model", "m", "--data", str(data)]) == 0
    assert seen["sampling"] == "official" and seen["judge"] is None and seen["resume"] is True
