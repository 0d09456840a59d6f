"""The segmentation page's metrics lesson against values worked out by hand on paper."""

from __future__ import annotations

import numpy as np
import pytest

from core.tasks.segmentation_metrics import (
    EXAMPLE_PREDICTION,
    HEIGHT,
    TRUTH_CHOICE,
    WIDTH,
    SceneChoice,
    mask_iou,
    scene,
    scores,
)


def test_the_truth_is_the_scene_described():
    truth = scene(TRUTH_CHOICE)
    counts = {
        name: int((truth == i).sum()) for i, name in enumerate(("sky", "building", "road", "car"))
    }
    # sky rows 0–5: 6 × 24; car cols 6–13 × rows 9–12: 32, half over the building, half the road
    assert counts == {"sky": 144, "building": 104, "road": 104, "car": 32}
    assert truth.shape == (HEIGHT, WIDTH)


def test_the_example_prediction_scores_as_worked_by_hand():
    found = scores(scene(EXAMPLE_PREDICTION), scene(TRUTH_CHOICE))
    # sky: the prediction stops a row early: 120 of the truth's 144 pixels, nothing extra.
    assert found.ious["sky"] == pytest.approx(120 / 144)
    # car: moved 2 columns right: overlap 6 × 4 = 24, union 32 + 32 − 24 = 40.
    assert found.ious["car"] == pytest.approx(24 / 40)
    # building: predicted rows 5–11 (168) less the predicted car's 24 = 144; truth 104; shared:
    # rows 6–8 (72) and rows 9–10 outside both cars (2 × 14) = 100; union 104 + 144 − 100 = 148.
    assert found.ious["building"] == pytest.approx(100 / 148)
    # road: predicted rows 12–15 (96) less the car's row 12 (8) = 88; truth 104; shared: rows
    # 13–15 (72) and row 12 outside both cars (14) = 86; union 88 + 104 − 86 = 106.
    assert found.ious["road"] == pytest.approx(86 / 106)
    assert found.mean_iou == pytest.approx((120 / 144 + 24 / 40 + 100 / 148 + 86 / 106) / 4)
    # right pixels: 120 + 100 + 86 + 24 = 330 of 384: pixel accuracy flatters the small car
    assert found.pixel_accuracy == pytest.approx(330 / 384)


def test_a_perfect_prediction_and_a_missed_car():
    assert scores(scene(TRUTH_CHOICE), scene(TRUTH_CHOICE)).mean_iou == 1.0
    missed = scores(scene(SceneChoice(6, 11, 16)), scene(TRUTH_CHOICE))
    assert missed.ious["car"] == 0.0 and missed.pixel_accuracy == pytest.approx(1 - 64 / 384)


def test_mask_iou_of_empty_masks_is_undefined():
    empty = np.zeros((2, 2), bool)
    assert mask_iou(empty, empty) is None
    assert mask_iou(np.ones((2, 2), bool), empty) == 0.0
