"""How detection is measured: IoU, precision and recall, the precision–recall curve, AP and mAP.

Conventions (those of PASCAL VOC 2010+ and COCO): detections are taken best score first; each
one is a true positive when it overlaps a not-yet-matched ground-truth box of its class with
IoU ≥ the IoU threshold, else a false positive; AP is the area under the precision–recall curve
after making precision non-increasing ("all-point interpolation").
"""

from __future__ import annotations

from dataclasses import dataclass

from core.tasks.detection import Box, Detection


@dataclass(frozen=True)
class GroundTruth:
    label: str
    box: Box


@dataclass(frozen=True)
class Match:
    detection: Detection
    true_positive: bool
    iou: float  # with the ground-truth box it was compared with (0 if none)


@dataclass(frozen=True)
class PRCurve:
    label: str
    recalls: tuple[float, ...]
    precisions: tuple[float, ...]
    average_precision: float


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes, 0 (disjoint) to 1 (identical)."""
    inter = Box(max(a.xmin, b.xmin), max(a.ymin, b.ymin), min(a.xmax, b.xmax), min(a.ymax, b.ymax))
    union = a.area + b.area - inter.area
    return inter.area / union if union > 0 else 0.0


def match_detections(
    detections: tuple[Detection, ...], truths: tuple[GroundTruth, ...], iou_threshold: float
) -> list[Match]:
    """Each detection, best score first, marked true or false positive."""
    if not 0 < iou_threshold <= 1:
        raise ValueError("iou_threshold must be in (0, 1]")
    taken: set[int] = set()
    matches = []
    for detection in sorted(detections, key=lambda d: -d.score):
        best, best_iou = None, 0.0
        for index, truth in enumerate(truths):
            if truth.label != detection.label or index in taken:
                continue
            overlap = iou(detection.box, truth.box)
            if overlap > best_iou:
                best, best_iou = index, overlap
        hit = best is not None and best_iou >= iou_threshold
        if hit:
            taken.add(best)
        matches.append(Match(detection, hit, best_iou))
    return matches


def precision_recall(
    detections: tuple[Detection, ...],
    truths: tuple[GroundTruth, ...],
    score_threshold: float,
    iou_threshold: float,
) -> tuple[float | None, float, int, int, int]:
    """(precision, recall, TP, FP, FN) of the detections kept at `score_threshold`.

    Precision is None when nothing is kept (it is undefined, not 0 or 1)."""
    kept = tuple(d for d in detections if d.score >= score_threshold)
    matches = match_detections(kept, truths, iou_threshold)
    tp = sum(m.true_positive for m in matches)
    fp = len(matches) - tp
    fn = len(truths) - tp
    precision = tp / (tp + fp) if matches else None
    recall = tp / len(truths) if truths else 0.0
    return precision, recall, tp, fp, fn


def average_precision(recalls: tuple[float, ...], precisions: tuple[float, ...]) -> float:
    """Area under the curve once precision is made non-increasing in recall."""
    r = [0.0, *recalls, 1.0]
    p = [1.0, *precisions, 0.0]
    for i in range(len(p) - 2, -1, -1):
        p[i] = max(p[i], p[i + 1])
    return sum((r[i + 1] - r[i]) * p[i + 1] for i in range(len(r) - 1))


def pr_curve(
    detections: tuple[Detection, ...],
    truths: tuple[GroundTruth, ...],
    label: str,
    iou_threshold: float,
) -> PRCurve:
    """Precision and recall of one class as the score threshold goes down, and its AP."""
    class_truths = tuple(t for t in truths if t.label == label)
    class_detections = tuple(d for d in detections if d.label == label)
    matches = match_detections(class_detections, class_truths, iou_threshold)
    recalls, precisions, tp = [], [], 0
    for count, match in enumerate(matches, start=1):
        tp += match.true_positive
        recalls.append(tp / len(class_truths) if class_truths else 0.0)
        precisions.append(tp / count)
    ap = average_precision(tuple(recalls), tuple(precisions)) if class_truths else 0.0
    return PRCurve(label, tuple(recalls), tuple(precisions), ap)


def mean_average_precision(
    detections: tuple[Detection, ...], truths: tuple[GroundTruth, ...], iou_threshold: float
) -> tuple[float, dict[str, float]]:
    """mAP: the mean over classes (those with ground truth) of each class's AP."""
    labels = sorted({t.label for t in truths})
    per_class = {label: pr_curve(detections, truths, label, iou_threshold).average_precision
                 for label in labels}  # fmt: skip
    return (sum(per_class.values()) / len(per_class) if per_class else 0.0), per_class


# A small street scene (units of a 100 × 60 canvas) to practise the metrics on: five objects
# annotated by hand, seven detections of an imaginary model. Its AP values are worked out by
# hand in tests/test_detection_metrics.py.
EXAMPLE_TRUTHS = (
    GroundTruth("car", Box(5, 30, 35, 50)),
    GroundTruth("car", Box(60, 28, 95, 52)),
    GroundTruth("person", Box(40, 10, 48, 40)),
    GroundTruth("person", Box(50, 12, 57, 38)),
    GroundTruth("person", Box(20, 5, 27, 25)),
)
EXAMPLE_DETECTIONS = (
    Detection("car", 0.95, Box(6, 31, 34, 50)),
    Detection("person", 0.90, Box(40, 11, 48, 40)),
    Detection("car", 0.80, Box(58, 30, 90, 52)),
    Detection("person", 0.70, Box(51, 14, 58, 40)),
    Detection("person", 0.60, Box(40, 10, 48, 40)),
    Detection("car", 0.40, Box(30, 30, 60, 50)),
    Detection("person", 0.30, Box(70, 5, 78, 20)),
)
