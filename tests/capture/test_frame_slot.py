"""The latest-frame slot: bounded, newest wins, drops counted, static frames folded."""

from __future__ import annotations

import threading

import numpy as np

from videoscan_core.capture.frame_slot import CapturedFrame, LatestFrameSlot


def frame(seq: int) -> CapturedFrame:
    return CapturedFrame(np.zeros((2, 2, 3), np.uint8), float(seq), seq)


def test_newest_frame_wins_and_drops_are_counted():
    slot = LatestFrameSlot()
    for seq in range(5):
        slot.put(frame(seq))
    fold, taken = slot.take()
    assert taken.sequence == 4 and fold is None
    assert slot.dropped == 4
    assert slot.take() == (None, None)


def test_static_marks_fold_only_when_no_frame_is_waiting():
    slot = LatestFrameSlot()
    slot.put(frame(1))
    slot.put_static(2.0)  # the waiting frame stands for this moment
    fold, taken = slot.take()
    assert fold is None and taken.sequence == 1
    slot.put_static(3.0)
    slot.put_static(4.0)
    fold, taken = slot.take()
    assert (fold, taken) == (4.0, None)
    slot.put_static(5.0)
    slot.put(frame(6))  # a new frame supersedes the pending extension
    assert slot.take()[0] is None


def test_concurrent_producer_never_blocks_and_consumer_sees_increasing_frames():
    slot = LatestFrameSlot()
    seen = []
    done = threading.Event()

    def consume():
        while not done.is_set() or slot.has_work():
            with slot.condition:
                slot.condition.wait_for(lambda: slot.has_work() or done.is_set(), timeout=1)
            _, taken = slot.take()
            if taken is not None:
                seen.append(taken.sequence)

    consumer = threading.Thread(target=consume)
    consumer.start()
    for seq in range(2000):
        slot.put(frame(seq))
    done.set()
    with slot.condition:
        slot.condition.notify_all()
    consumer.join(5)
    assert not consumer.is_alive()
    assert seen == sorted(seen) and seen[-1] == 1999
    assert slot.dropped + len(seen) == 2000


def test_a_slot_that_keeps_every_frame_makes_the_producer_wait():
    slot = LatestFrameSlot()
    slot.keep_every_frame = True
    assert slot.wants_frame()
    slot.put(frame(1))
    assert not slot.wants_frame()  # the producer skips its tick rather than replace frame 1
    assert slot.take()[1].sequence == 1 and slot.wants_frame() and slot.dropped == 0
    plain = LatestFrameSlot()
    plain.put(frame(2))
    assert plain.wants_frame()


def test_clearing_for_a_new_engine_keeps_the_newest_frame_but_not_a_static_mark():
    """On a still screen the frame captured while a model loads is the only one that changes:
    dropping it left the memory empty for as long as the screen stayed still."""
    slot = LatestFrameSlot()
    slot.put(frame(1))
    slot.clear()
    assert slot.take()[1].sequence == 1
    slot.put_static(2.0)
    slot.clear()
    assert slot.take() == (None, None)


def test_every_frame_of_a_file_reaches_a_slow_model_in_order(qtbot, moving_video):
    """--every-frame: ticks while the model is busy neither drop a frame nor advance the
    file's clock, so the frames processed do not depend on the machine's speed."""
    from app.capture.controller import CaptureController

    slot = LatestFrameSlot()
    slot.keep_every_frame = True
    controller = CaptureController(slot, fps=1.0, threshold=0.0, speed=1000.0)
    controller.start(f"file:{moving_video}")  # on this thread: ticks only when called here
    controller._timer.stop()
    taken = []
    for _ in range(4):
        for _ in range(3):  # the model is still busy with the pending frame
            controller._on_tick()
        taken.append(slot.take()[1].timestamp)
        controller._on_tick()
    controller.stop()
    assert taken == [0.0, 1.0, 2.0, 3.0] and slot.dropped == 0
    assert controller.captured == 5
