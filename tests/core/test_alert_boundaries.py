"""Alerts at their exact boundaries: a condition fires at exactly ``on`` and re-arms at exactly
``off`` (not just above or below), the caps on conditions at the limit and one past it, every
k-th frame, the slow-scoring line at exactly the interval, and every field of the alerts file."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from videoscan_core.limits import MAX_CONDITION_CHARS, MAX_CONDITIONS
from videoscan_core.stream.alerts import (
    OFF_THRESHOLD,
    ON_THRESHOLD,
    AlertWatcher,
    Condition,
    load_conditions,
    load_extra,
    save_conditions,
)


def feed(watcher: AlertWatcher, scores: list[float]) -> list[int]:
    """The frames (0-based) on which the single watched condition fired."""
    values = iter(scores)
    watcher.scorer = lambda engine, text: next(values)
    fired = []
    for index in range(len(scores)):
        event = SimpleNamespace(timestamp=float(index), frame_index=index)
        if watcher.after_frame(None, event):
            fired.append(index)
    return fired


def one(on=0.7, off=0.3, **kwargs) -> AlertWatcher:
    return AlertWatcher([Condition("c", id="c", on_threshold=on, off_threshold=off)], **kwargs)


def test_defaults_are_point_six_and_point_four():
    condition = Condition("a red circle")
    assert (condition.on_threshold, condition.off_threshold) == (ON_THRESHOLD, OFF_THRESHOLD)
    assert (ON_THRESHOLD, OFF_THRESHOLD) == (0.6, 0.4) and condition.enabled


def test_a_score_of_exactly_on_fires_and_just_below_does_not():
    assert feed(one(), [0.7]) == [0]
    assert feed(one(), [0.6999, 0.6999]) == []


def test_it_re_arms_at_exactly_off_and_not_just_above():
    # fires, falls to exactly off (re-arms), rises again: a second alert
    assert feed(one(), [0.9, 0.3, 0.7]) == [0, 2]
    # falls only to just above off: still the same event, no second alert
    assert feed(one(), [0.9, 0.3001, 0.7, 0.95]) == [0]
    # between off and on while armed: nothing fires
    assert feed(one(), [0.5, 0.31, 0.69]) == []


def test_thresholds_are_checked_at_their_bounds():
    Condition("c", on_threshold=1.0, off_threshold=0.0)
    Condition("c", on_threshold=0.5, off_threshold=0.5)
    for on, off in ((1.0001, 0.4), (0.6, -0.0001), (0.4, 0.41)):
        with pytest.raises(ValueError, match="0 <= off <= on <= 1"):
            Condition("c", on_threshold=on, off_threshold=off)


def test_condition_text_of_exactly_the_limit_passes_one_more_is_refused():
    Condition("x" * MAX_CONDITION_CHARS)
    with pytest.raises(ValueError, match=f"{MAX_CONDITION_CHARS + 1:,} characters"):
        Condition("x" * (MAX_CONDITION_CHARS + 1))
    with pytest.raises(ValueError, match="needs some text"):
        Condition(" \t\n")


def test_exactly_the_maximum_of_conditions_are_watched_and_one_more_is_refused():
    watcher = AlertWatcher([Condition(f"c{i}", id=f"c{i}") for i in range(MAX_CONDITIONS - 1)])
    watcher.add(Condition("last", id="last"))
    assert len(watcher.conditions()) == MAX_CONDITIONS
    with pytest.raises(ValueError, match=f"at most {MAX_CONDITIONS} conditions"):
        watcher.add("one too many")
    replaced = watcher.add(Condition("last, reworded", id="last"))  # same id: replaced, not added
    assert replaced in watcher.conditions() and len(watcher.conditions()) == MAX_CONDITIONS
    watcher.remove("c0")
    watcher.add("fits again")


@pytest.mark.parametrize("every,scored", [(1, [0, 1, 2, 3, 4, 5, 6]), (2, [0, 2, 4, 6]),
                                          (3, [0, 3, 6])])  # fmt: skip
def test_conditions_are_scored_on_the_first_frame_and_every_kth_after(every, scored):
    seen = []
    watcher = AlertWatcher([Condition("c")], every=every,
                           scorer=lambda engine, text: seen.append(index) or 0.0)  # fmt: skip
    for index in range(7):
        watcher.after_frame(None, SimpleNamespace(timestamp=float(index), frame_index=index))
    assert seen == scored and watcher.scores_computed == len(scored)
    watcher.reset()  # a new stream starts counting again: its first frame is scored
    index = 99
    watcher.after_frame(None, SimpleNamespace(timestamp=0.0, frame_index=0))
    assert seen[-1] == 99
    with pytest.raises(ValueError, match="k >= 1"):
        AlertWatcher(every=0)


def test_paused_frames_still_count_towards_every_k():
    watcher = one(every=2)
    watcher.scorer = lambda engine, text: 0.0
    watcher.paused = True
    watcher.after_frame(None, SimpleNamespace(timestamp=0.0, frame_index=0))
    watcher.paused = False
    watcher.after_frame(None, SimpleNamespace(timestamp=1.0, frame_index=1))  # frame 2: not due
    assert watcher.frames_seen == 2 and watcher.scores_computed == 0


def test_an_alert_carries_the_frame_time_index_and_score():
    watcher = one()
    watcher.scorer = lambda engine, text: 0.8125
    (alert,) = watcher.after_frame(None, SimpleNamespace(timestamp=12.5, frame_index=7))
    assert (alert.condition, alert.condition_id, alert.time, alert.frame_index) == (
        "c", "c", 12.5, 7
    )
    assert alert.score == 0.8125
    assert alert.to_json() == {"condition": "c", "time": 12.5, "score": 0.8125}
    engine = SimpleNamespace(last_timestamp=30.0, frames_seen=4)  # no event: the engine's
    fresh = one()
    fresh.scorer = lambda engine, text: 1.0
    (alert,) = fresh.after_frame(engine)
    assert (alert.time, alert.frame_index) == (30.0, 3)


def test_editing_thresholds_keeps_the_event_disabling_or_rewording_re_arms():
    watcher = one()
    watcher.scorer = lambda engine, text: 0.9
    assert watcher.after_frame(None, SimpleNamespace(timestamp=0.0, frame_index=0))
    watcher.update("c", on_threshold=0.8)  # the same event goes on: no second alert
    assert not watcher.after_frame(None, SimpleNamespace(timestamp=1.0, frame_index=1))
    watcher.update("c", enabled=False)
    watcher.update("c", enabled=True)
    assert watcher.after_frame(None, SimpleNamespace(timestamp=2.0, frame_index=2))
    watcher.update("c", text="reworded")
    assert watcher.after_frame(None, SimpleNamespace(timestamp=3.0, frame_index=3))
    assert watcher.last_scores == {"c": 0.9}
    watcher.remove("c")
    assert watcher.last_scores == {}


def test_slow_scoring_is_said_only_past_the_interval_and_counts_enabled_conditions():
    watcher = AlertWatcher([Condition("a", id="a"), Condition("b", id="b", enabled=False)])
    watcher.last_scoring_s = 1.0
    assert watcher.slow_warning(1.0) is None
    watcher.last_scoring_s = 1.01
    line = watcher.slow_warning(1.0)
    assert line.startswith("checking 1 alert condition(s) took 1.0 s per frame")
    assert "longer than the 1 s between frames" in line


def test_every_field_of_a_condition_survives_the_alerts_file(tmp_path):
    path = tmp_path / "sub" / "alerts.json"
    conditions = [
        Condition("a red circle", id="r1", enabled=False, on_threshold=0.75, off_threshold=0.25),
        Condition("a blue square", id="b2"),
    ]
    save_conditions(path, conditions, every=3, paused=True)
    assert load_conditions(path) == conditions
    assert load_extra(path) == {"every": 3, "paused": True}
    assert not path.with_suffix(".json.tmp").exists()  # written whole, then renamed
    raw = json.loads(path.read_text())
    assert raw["conditions"][0] == {
        "text": "a red circle", "id": "r1", "enabled": False, "on_threshold": 0.75,
        "off_threshold": 0.25,
    }  # fmt: skip


def test_unknown_fields_are_ignored_and_a_bad_file_names_itself(tmp_path):
    path = tmp_path / "alerts.json"
    path.write_text(json.dumps({"conditions": [{"text": "x", "id": "1", "colour": "red"}]}))
    assert load_conditions(path) == [Condition("x", id="1")]
    assert load_conditions(tmp_path / "missing.json") == [] and load_extra(tmp_path / "no") == {}
    for bad in ("{", "[1, 2]", json.dumps({"conditions": [{"text": ""}]}),
                json.dumps({"conditions": [{"id": "no text"}]})):  # fmt: skip
        path.write_text(bad)
        with pytest.raises(ValueError, match=f"alert file {path} is not valid"):
            load_conditions(path)
    path.write_text("[1]")
    assert load_extra(path) == {}
