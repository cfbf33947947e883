"""Alerts: hysteresis (one event, one alert), every-k scoring, rolled-back scoring on a real
model, persistence, and ``videoscan watch`` end to end."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from videoscan_core.cli.main import main
from videoscan_core.config import EngineConfig
from videoscan_core.stream.alerts import AlertWatcher, Condition, load_conditions, save_conditions
from videoscan_core.stream.conditions import condition_question, score_condition
from videoscan_core.stream.engine import StreamingEngine
from videoscan_core.video import import_cv2


def scripted(scores: dict[str, list[float]]):
    """A scorer that returns the next scripted score of each condition text."""
    positions = dict.fromkeys(scores, 0)

    def scorer(engine, text):
        value = scores[text][positions[text]]
        positions[text] += 1
        return value

    return scorer


def frames(count: int):
    return [SimpleNamespace(timestamp=float(i), frame_index=i) for i in range(count)]


def test_hysteresis_gives_one_alert_per_event():
    scores = {"a": [0.1, 0.7, 0.9, 0.5, 0.7, 0.3, 0.65, 0.61], "b": [0.2] * 8}
    watcher = AlertWatcher(
        [Condition("a", id="a"), Condition("b", id="b")], scorer=scripted(scores)
    )
    alerts = [alert for event in frames(8) for alert in watcher.after_frame(None, event)]
    # rises at 1 (fires), stays above the off threshold until 5 (re-arms), fires again at 6
    assert [(a.condition, a.time, a.score) for a in alerts] == [("a", 1.0, 0.7), ("a", 6.0, 0.65)]
    assert watcher.scores_computed == 16


def test_every_k_frames_and_pause():
    watcher = AlertWatcher([Condition("x")], every=3, scorer=lambda engine, text: 0.9)
    fired = [len(watcher.after_frame(None, event)) for event in frames(7)]
    assert fired == [1, 0, 0, 0, 0, 0, 0]  # scored on frames 0, 3, 6; fired once
    assert watcher.scores_computed == 3
    watcher.paused = True
    watcher.after_frame(None, frames(8)[7])
    assert watcher.scores_computed == 3


def test_edit_remove_disable_and_rearm():
    watcher = AlertWatcher(scorer=lambda engine, text: 0.95)
    first = watcher.add("a red circle appears")
    assert len(watcher.after_frame(None, frames(1)[0])) == 1
    assert watcher.after_frame(None, frames(2)[1]) == []
    watcher.update(first.id, text="a blue square appears")  # new text re-arms
    assert [a.condition for a in watcher.after_frame(None, frames(3)[2])] == [
        "a blue square appears"
    ]
    watcher.update(first.id, enabled=False)
    assert watcher.after_frame(None, frames(4)[3]) == []
    assert watcher.remove(first.id) and not watcher.remove(first.id)
    assert watcher.conditions() == []


def test_conditions_validate_and_persist(tmp_path):
    with pytest.raises(ValueError):
        Condition("  ")
    with pytest.raises(ValueError):
        Condition("x", on_threshold=0.3, off_threshold=0.5)
    saved = [Condition("a red circle appears", enabled=False), Condition("a build fails")]
    path = tmp_path / "alerts" / "alerts.json"
    save_conditions(path, saved)
    assert load_conditions(path) == saved
    assert load_conditions(tmp_path / "missing.json") == []
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not valid"):
        load_conditions(path)


def test_condition_question_strips_the_when():
    assert condition_question("When a red circle appears.") == (
        "Is this true now: a red circle appears? Answer yes or no."
    )


def test_scoring_a_real_model_leaves_the_stream_unchanged(tiny_vlm, random_frames):
    engine = StreamingEngine(tiny_vlm, EngineConfig(memory_size=3))
    clips = random_frames(6, seed=3)
    assert score_condition(engine, "anything") == 0.5  # nothing seen yet
    watcher = AlertWatcher(
        [Condition("a red circle appears", on_threshold=0.0, off_threshold=0.0), "a door opens"],
        every=2,
    )
    reference = StreamingEngine(tiny_vlm, EngineConfig(memory_size=3))
    alerts = []
    for index, frame in enumerate(clips):
        alerts += watcher.after_frame(engine, engine.add_frame(frame, float(index)))
        reference.add_frame(frame, float(index))
        assert engine.cache.length == reference.cache.length
        score = watcher.last_scores.get(watcher.conditions()[0].id)
        assert score is None or 0.0 < score < 1.0
    assert watcher.scores_computed == 6  # 2 conditions on frames 0, 2, 4
    # on 0 / off 0 fires on the first score and never re-arms: exactly one alert
    assert [(a.condition, a.time) for a in alerts] == [("a red circle appears", 0.0)]
    assert engine.cache.length == reference.cache.length
    question = "What is shown?"
    assert torch.allclose(
        engine.first_token_logits(question), reference.first_token_logits(question), atol=1e-5
    )


def test_conditions_are_asked_without_the_time_instruction(tiny_vlm, random_frames):
    engine = StreamingEngine(tiny_vlm, EngineConfig(memory_size=3, time_instruction=True))
    for index, frame in enumerate(random_frames(3, seed=5)):
        engine.add_frame(frame, float(index))
    asked = []
    original = engine.first_token_logits

    def spy(question, *args, **kwargs):
        asked.append(engine.question_prompt(question, False, None, kwargs["with_times"]))
        return original(question, *args, **kwargs)

    engine.first_token_logits = spy
    plain = score_condition(engine, "a red circle appears")
    timed = score_condition(engine, "a red circle appears", with_times=True)
    assert len(asked) == 2 and len(asked[0]) < len(asked[1])
    assert "1.00s" not in asked[0] and "1.00s" in asked[1]
    assert 0.0 < plain < 1.0 and 0.0 < timed < 1.0


def videoscan(capsys, *args: str) -> SimpleNamespace:
    """Run the CLI in this process (the model loads in well under a second)."""
    code = main(list(args))
    out = capsys.readouterr()
    return SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)


@pytest.fixture(scope="module")
def short_video(tmp_path_factory):
    cv2 = import_cv2()
    path = tmp_path_factory.mktemp("watch") / "clip.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 2.0, (64, 48))
    for i in range(10):
        frame = np.full((48, 64, 3), 20 * i, np.uint8)
        writer.write(frame)
    writer.release()
    return path


def test_watch_cli_json_and_lines(capsys, short_video, tiny_model_dir):
    result = videoscan(
        capsys,
        "watch", str(short_video), "--model", str(tiny_model_dir), "--when", "a red circle",
        "--when", "a door opens", "--on", "0", "--off", "0", "--every", "2", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["frames_seen"] == 5
    assert [(a["condition"], a["time"]) for a in report["alerts"]] == [
        ("a red circle", 0.0),
        ("a door opens", 0.0),
    ]
    assert all(0.0 < a["score"] < 1.0 for a in report["alerts"])
    lines = videoscan(
        capsys,
        "watch", str(short_video), "--model", str(tiny_model_dir), "--when", "a red circle",
        "--on", "0", "--off", "0",
    ).stdout.splitlines()  # fmt: skip
    assert len(lines) == 1 and lines[0].split()[0] == "0.00s" and lines[0].endswith("a red circle")


def test_watch_cli_shows_its_progress_on_stderr(capsys, short_video, tiny_model_dir):
    watch = ("watch", str(short_video), "--model", str(tiny_model_dir), "--when", "a red circle",
             "--on", "0", "--off", "0")  # fmt: skip
    shown = videoscan(capsys, *watch)
    assert shown.returncode == 0, shown.stderr
    assert "streaming" in shown.stderr and "5/5" in shown.stderr  # 5 s sampled at 1 fps
    lines = shown.stdout.splitlines()
    assert lines and all(line.endswith("a red circle") for line in lines)  # alerts only
    quiet = videoscan(capsys, *watch, "--no-progress")
    assert "streaming" not in quiet.stderr and quiet.stdout == shown.stdout


def test_watch_cli_rejects_bad_input(capsys, short_video, tiny_model_dir):
    result = videoscan(capsys, "watch", str(short_video), "--model", str(tiny_model_dir),
                       "--when", "x", "--every", "0")  # fmt: skip
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "videoscan: error: --every must be at least 1 (got 0)"
    ]


def test_alerts_are_capped_in_number_and_length_and_slow_scoring_is_said(
    capsys, short_video, monkeypatch
):
    from videoscan_core.limits import MAX_CONDITION_CHARS, MAX_CONDITIONS

    with pytest.raises(ValueError, match="too long"):
        Condition("red " * 5000)  # 20,000 characters: 1.2 GB per frame before
    watcher = AlertWatcher([Condition(f"c{i}") for i in range(MAX_CONDITIONS)])
    with pytest.raises(ValueError, match=f"at most {MAX_CONDITIONS}"):
        watcher.add("one more")
    many = [arg for i in range(300) for arg in ("--when", f"c{i}")]  # 132 s for 7 frames before
    result = videoscan(capsys, "watch", str(short_video), "--model", "no-such-model", *many)
    assert result.stderr.strip().splitlines() == [
        f"videoscan: error: at most {MAX_CONDITIONS} conditions are watched at once (each is "
        "checked on every frame): remove one first"
    ]  # refused before any model loads
    long = "x" * (MAX_CONDITION_CHARS + 1)
    result = videoscan(capsys, "watch", str(short_video), "--model", "none", "--when", long)
    assert "too long" in result.stderr and result.returncode != 0

    def slow(engine, text):
        clock[0] += 0.75  # scoring takes 0.75 s of a fake clock per condition
        return 0.1

    clock = [0.0]
    watcher = AlertWatcher([Condition("a"), Condition("b")], scorer=slow)
    with monkeypatch.context() as patched:
        patched.setattr("videoscan_core.stream.alerts.time.perf_counter", lambda: clock[0])
        watcher.after_frame(None, frames(1)[0])
    assert watcher.slow_warning(2.0) is None
    assert "took 1.5 s per frame, longer than the 1 s between frames" in watcher.slow_warning(1.0)


def test_yes_and_no_are_told_apart_by_letters_not_spaces():
    from videoscan_core.adapters import load_model
    from videoscan_core.paths import bundled_demo_model
    from videoscan_core.stream.conditions import yes_no_ids

    if bundled_demo_model() is None:
        pytest.skip("the demo model is not bundled")
    model = load_model("videoscan-demo")
    yes, no = yes_no_ids(model)
    pieces = [model.tokenizer.decode([token]).strip() for token in yes + no]
    assert all(pieces) and not set(yes) & set(no)  # a bare space is neither yes nor no


def test_watch_cli_with_the_demo_model(capsys, tmp_path):
    from videoscan_core.eval.demo import write_demo_video
    from videoscan_core.eval.synthetic import make_video, split_seeds
    from videoscan_core.paths import bundled_demo_model

    if bundled_demo_model() is None:
        pytest.skip("the demo model is not bundled")
    path = write_demo_video(tmp_path / "demo.mp4", seed=3)
    frames = len(make_video(split_seeds("test", 1, start=3)[0]).frames)
    result = videoscan(
        capsys, "watch", str(path), "--model", "videoscan-demo", "--when", "a red shape appears",
        "--when", "a circle appears", "--on", "0", "--off", "0", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["frames_seen"] == frames
    # on 0 / off 0: each condition fires on its first score and never again
    assert [(a["condition"], a["time"]) for a in report["alerts"]] == [
        ("a red shape appears", 0.0),
        ("a circle appears", 0.0),
    ]
