"""Alert quality scoring: true onsets, one-to-one matching within a frame, and a real run."""

from __future__ import annotations

import numpy as np
import pytest

from videoscan_core.eval.alert_quality import (
    conditions_for,
    evaluate_alerts,
    match,
    true_onsets,
)
from videoscan_core.eval.synthetic import Event, SyntheticVideo
from videoscan_core.paths import bundled_demo_model


def video_with(events, frames: int = 8) -> SyntheticVideo:
    blank = [np.zeros((8, 8, 3), np.uint8)] * frames
    return SyntheticVideo(0, blank, [float(i) for i in range(frames)], events)


def test_onsets_are_rising_edges_of_what_is_on_screen():
    video = video_with(
        [Event("circle", "red", 1, 2), Event("square", "red", 3, 2), Event("circle", "blue", 6, 1)]
    )
    conditions = conditions_for(video)
    assert true_onsets(video, conditions["a red shape appears"][1]) == [1]  # 1-4 merged
    assert true_onsets(video, conditions["a circle appears"][1]) == [1, 6]
    assert true_onsets(video, conditions["the red square appears"][1]) == [3]
    assert true_onsets(video, conditions["a yellow shape appears"][1]) == []
    assert {kind for kind, _ in conditions.values()} == {"color", "shape", "named"}


def test_matching_is_one_to_one_within_the_tolerance():
    assert match([1, 6], [2, 4, 7], tolerance=1) == 2
    assert match([1], [0, 2], tolerance=1) == 1  # one true alert matches once
    assert match([1, 2], [2], tolerance=1) == 1
    assert match([5], [7], tolerance=1) == 0


def test_frame_auc_counts_ties_as_half():
    from videoscan_core.eval.alert_quality import AlertQuality

    quality = AlertQuality(1, true_scores=[0.9, 0.5], false_scores=[0.5, 0.1])
    assert quality.frame_auc() == 0.875
    assert AlertQuality(1).frame_auc() is None


@pytest.mark.slow
@pytest.mark.skipif(bundled_demo_model() is None, reason="the demo model is not bundled")
def test_the_demo_model_alerts_on_colours_on_held_out_videos():
    """The bundled model learned yes/no conditions (retrained with the condition drill): on 8
    held-out videos its colour alerts are right and not missed (measured: precision 1.0, recall
    1.0; before that retraining: 0 alerts right, frame AUC 0.57)."""
    from videoscan_core.adapters import load_model

    quality = evaluate_alerts(load_model("videoscan-demo"), videos=8).to_json()
    overall, color = quality["overall"], quality["per_kind"]["color"]
    assert quality["videos"] == 8 and overall["true_alerts"] > 0
    assert overall["matched"] <= min(overall["true_alerts"], overall["predicted_alerts"])
    assert quality["frame_auc"] > 0.8
    assert color["precision"] >= 0.8 and color["recall"] >= 0.8
