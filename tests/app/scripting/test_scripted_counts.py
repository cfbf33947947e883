"""The scripted run's frame counts, with a fake window: a switch or a question needs its count of
frames seen (processed or folded as unchanged) with at least one of them processed, the last
``--switch-after-frames`` count repeats, and a source that ended moves on at once."""

from __future__ import annotations

from app.scripting.scripted_run import ScriptedRun, ScriptPlan


class Window:
    def __init__(self):
        self.sources, self.asked = [], []

    def change_source(self, source):
        self.sources.append(source)

    def ask(self, question, how):
        self.asked.append(question)


def test_a_switch_needs_one_processed_frame_among_those_seen():
    window = Window()
    run = ScriptedRun(window, ScriptPlan(then_sources=["b"], switch_after_frames=[3]))
    run.on_frames_folded(10)  # a still screen: seen, but nothing reached the memory yet
    assert window.sources == []
    run.on_frame_processed()
    assert window.sources == ["b"]


def test_a_switch_comes_at_exactly_its_count_and_the_last_count_repeats():
    window = Window()
    plan = ScriptPlan(then_sources=["b", "c", "d"], switch_after_frames=[2, 3])
    assert [plan.frames_before_switch(i) for i in range(4)] == [2, 3, 3, 3]
    run = ScriptedRun(window, plan)
    run.on_frame_processed()
    assert window.sources == []
    run.on_frames_folded(1)  # 1 processed + 1 folded = 2
    assert window.sources == ["b"]
    run.on_frame_processed()
    run.on_frames_folded(1)
    assert window.sources == ["b"]  # 2 of 3
    run.on_frame_processed()
    assert window.sources == ["b", "c"]
    run.on_source_ended()  # a video that ended: the next source at once
    assert window.sources == ["b", "c", "d"]


def test_questions_wait_for_their_count_with_one_processed_frame_then_go_in_order():
    window = Window()
    run = ScriptedRun(window, ScriptPlan(asks=["first?", "second?"], ask_after_frames=2))
    run.on_frames_folded(5)
    assert window.asked == []
    run.on_frame_processed()
    assert window.asked == ["first?"]
    run.on_frame_processed()  # the next waits for the answer, not for frames
    assert window.asked == ["first?"]
    run.on_answer_recorded()
    assert window.asked == ["first?", "second?"]
