"""Detection metrics against values worked out by hand (see the comments)."""

from __future__ import annotations

import pytest

from core.tasks.detection import Box, Detection, DetectionResult
from core.tasks.detection_metrics import (
    EXAMPLE_DETECTIONS,
    EXAMPLE_TRUTHS,
    GroundTruth,
    average_precision,
    iou,
    match_detections,
    mean_average_precision,
    pr_curve,
    precision_recall,
)
from core.tasks.run_info import RunInfo


def test_iou_by_hand():
    assert iou(Box(0, 0, 10, 10), Box(0, 0, 10, 10)) == 1
    assert iou(Box(0, 0, 10, 10), Box(20, 20, 30, 30)) == 0
    assert iou(Box(0, 0, 10, 10), Box(10, 0, 20, 10)) == 0  # touching edges
    # 5 × 10 overlap = 50; union 100 + 100 − 50 = 150
    assert iou(Box(0, 0, 10, 10), Box(5, 0, 15, 10)) == pytest.approx(1 / 3)
    # a box inside another: 4 / 100
    assert iou(Box(0, 0, 10, 10), Box(2, 2, 4, 4)) == pytest.approx(0.04)
    # the example's second car: overlap 30 × 22 = 660, union 704 + 840 − 660 = 884
    assert iou(Box(58, 30, 90, 52), Box(60, 28, 95, 52)) == pytest.approx(660 / 884)


def test_duplicates_and_wrong_classes_are_false_positives():
    truths = (GroundTruth("cat", Box(0, 0, 10, 10)),)
    detections = (
        Detection("cat", 0.9, Box(0, 0, 10, 10)),
        Detection("cat", 0.8, Box(0, 0, 10, 10)),  # the cat is already found
        Detection("dog", 0.7, Box(0, 0, 10, 10)),  # right place, wrong class
    )
    assert [m.true_positive for m in match_detections(detections, truths, 0.5)] == [
        True, False, False,
    ]  # fmt: skip


def test_precision_recall_at_a_threshold():
    # kept at 0.5: car .95 TP, person .90 TP, car .80 TP, person .70 TP, person .60 FP
    assert precision_recall(EXAMPLE_DETECTIONS, EXAMPLE_TRUTHS, 0.5, 0.5) == (0.8, 0.8, 4, 1, 1)
    # at IoU 0.75 the second car (0.747) and the second person (0.655) stop counting
    assert precision_recall(EXAMPLE_DETECTIONS, EXAMPLE_TRUTHS, 0.5, 0.75) == (0.4, 0.4, 2, 3, 3)
    assert precision_recall(EXAMPLE_DETECTIONS, EXAMPLE_TRUTHS, 0.99, 0.5) == (None, 0.0, 0, 0, 5)


def test_average_precision_by_hand():
    # person @0.5: TP, TP, FP, FP over 3 objects → recall 1/3, 2/3, 2/3, 2/3 at precision
    # 1, 1, 2/3, 1/2 → AP = 1/3 · 1 + 1/3 · 1 = 2/3
    person = pr_curve(EXAMPLE_DETECTIONS, EXAMPLE_TRUTHS, "person", 0.5)
    assert person.recalls == pytest.approx((1 / 3, 2 / 3, 2 / 3, 2 / 3))
    assert person.precisions == pytest.approx((1, 1, 2 / 3, 1 / 2))
    assert person.average_precision == pytest.approx(2 / 3)
    # car @0.5: TP, TP, FP over 2 objects → AP = 1
    assert pr_curve(EXAMPLE_DETECTIONS, EXAMPLE_TRUTHS, "car", 0.5).average_precision == 1
    # @0.75: person TP, FP, FP, FP → 1/3; car TP, FP, FP → 1/2
    assert pr_curve(EXAMPLE_DETECTIONS, EXAMPLE_TRUTHS, "person", 0.75).average_precision == (
        pytest.approx(1 / 3)
    )
    assert pr_curve(EXAMPLE_DETECTIONS, EXAMPLE_TRUTHS, "car", 0.75).average_precision == 0.5


def test_map_and_ap50_vs_ap75():
    map50, per_class50 = mean_average_precision(EXAMPLE_DETECTIONS, EXAMPLE_TRUTHS, 0.5)
    map75, per_class75 = mean_average_precision(EXAMPLE_DETECTIONS, EXAMPLE_TRUTHS, 0.75)
    assert per_class50 == pytest.approx({"car": 1.0, "person": 2 / 3})
    assert map50 == pytest.approx(5 / 6)
    assert per_class75 == pytest.approx({"car": 0.5, "person": 1 / 3})
    assert map75 == pytest.approx(5 / 12)


def test_average_precision_uses_the_precision_envelope():
    # precision dips then recovers: the dip is filled by the later, higher precision
    assert average_precision((0.5, 0.5, 1.0), (1.0, 0.5, 2 / 3)) == pytest.approx(
        0.5 * 1 + 0.5 * 2 / 3
    )


def test_iou_threshold_is_checked():
    with pytest.raises(ValueError):
        match_detections(EXAMPLE_DETECTIONS, EXAMPLE_TRUTHS, 0)


def test_threshold_and_counts_filter_cached_detections():
    result = DetectionResult(EXAMPLE_DETECTIONS, RunInfo("m", 0.1, "cpu"))
    assert len(result.above(0.5)) == 5
    assert result.counts(0.5) == {"person": 3, "car": 2}
    assert result.counts(0.85) == {"car": 1, "person": 1}


def test_our_iou_agrees_with_torchvisions_box_iou():
    """The lesson computes IoU by hand; torchvision's `box_iou` is the reference."""
    import numpy as np
    import torch
    from torchvision.ops import box_iou

    rng = np.random.default_rng(0)
    corners = rng.uniform(0, 100, (60, 4))
    boxes = [Box(min(a, c), min(b, d), max(a, c), max(b, d)) for a, b, c, d in corners] + [
        Box(0, 0, 10, 10),
        Box(20, 20, 30, 30),
        Box(0, 0, 10, 10),
    ]  # disjoint and identical
    tensor = torch.tensor([[b.xmin, b.ymin, b.xmax, b.ymax] for b in boxes], dtype=torch.float64)
    reference = box_iou(tensor, tensor).numpy()
    ours = np.array([[iou(a, b) for b in boxes] for a in boxes])
    assert np.allclose(ours, reference, atol=1e-12)
