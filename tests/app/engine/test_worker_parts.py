"""Plain-Python parts of the app's worker, directly: which question is stopped, written or parked
until a frame is in memory (``WorkerQuestions``), and the run report's privacy block with a fake
clock (``PrivacyLedger``: pauses by reason and kind, ticks, seconds, an ongoing pause, frames
with windows blacked out, the frame cap)."""

from __future__ import annotations

from app.engine.commands import Ask
from app.engine.questions import WorkerQuestions
from app.features import privacy_ledger
from app.features.privacy_ledger import PrivacyLedger
from videoscan_core.config import GenerationOptions


def ask(answer_id: int) -> Ask:
    return Ask(answer_id, f"question {answer_id}", GenerationOptions())


def test_stopping_the_answer_being_written_stops_it_and_only_it():
    questions = WorkerQuestions()
    assert questions.begin(1) and not questions.should_stop()
    questions.stop(2)  # a queued one: the one being written goes on
    assert not questions.should_stop()
    questions.stop(1)
    assert questions.should_stop()
    questions.end()
    assert not questions.begin(2)  # stopped before it began
    assert questions.begin(3) and not questions.should_stop()  # a fresh start clears the flag
    questions.abort()
    assert questions.should_stop()
    questions.end()
    questions.stop(3)  # after its end: nothing to cancel, remembered for no one
    assert questions.begin(4)


def test_parked_questions_wait_for_a_frame_except_the_stopped_ones():
    questions = WorkerQuestions()
    for answer_id in (1, 2, 3):
        questions.park(ask(answer_id))
    assert not questions.has_due(False) and questions.due(False) == []
    questions.stop(2)
    assert questions.has_due(False)
    assert [a.answer_id for a in questions.due(False)] == [2]  # finished as stopped at once
    assert questions.has_due(True)
    assert [a.answer_id for a in questions.due(True)] == [1, 3]  # in the order asked
    assert not questions.has_due(True) and questions.due(True) == []


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_pauses_by_reason_and_kind_with_their_ticks_and_seconds():
    clock = Clock()
    ledger = PrivacyLedger(clock)
    ledger.withheld("KeePassXC is focused", "privacy")
    clock.now += 1.5
    ledger.withheld("KeePassXC is focused", "privacy")  # the same pause goes on
    clock.now += 1.0
    ledger.withheld("the followed window is minimised", "source")  # another one starts
    clock.now += 0.25
    ledger.captured()  # a frame again: the pause ends
    clock.now += 5
    ledger.captured()
    ledger.withheld("the screen is locked", "privacy")
    clock.now += 2.0
    assert ledger.report()["pauses"] == [
        {"reason": "KeePassXC is focused", "kind": "privacy", "seconds": 2.5, "ticks": 2},
        {"reason": "the followed window is minimised", "kind": "source", "seconds": 0.25,
         "ticks": 1},
        {"reason": "the screen is locked", "kind": "privacy", "seconds": 2.0, "ticks": 1,
         "ongoing": True},
    ]  # fmt: skip
    ledger.withheld("the screen is locked", "source")  # the same words, another kind: new
    assert [p["kind"] for p in ledger.report()["pauses"]][-2:] == ["privacy", "source"]


def test_frames_with_windows_blacked_out_are_counted_and_listed_up_to_the_cap(monkeypatch):
    monkeypatch.setattr(privacy_ledger, "MAX_FRAMES", 2)
    ledger = PrivacyLedger(Clock())
    ledger.processed(4, 1.234, 0)
    ledger.processed(5, 2.0, 2)
    ledger.processed(6, 3.0, 1)  # counted, not listed
    report = ledger.report()
    assert report["frames"] == [{"frame_index": 4, "time": 1.23, "windows": 0},
                                {"frame_index": 5, "time": 2.0, "windows": 2}]  # fmt: skip
    assert report["frames_with_windows_blacked_out"] == 2 and report["pauses"] == []
