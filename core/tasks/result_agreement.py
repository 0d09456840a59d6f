"""How closely two answers to the same question agree, as a student would judge them.

Used to check that bfloat16 changes nothing a student sees (the bars: top class and scores;
the boxes above the threshold; the depth map's shape; the segments' pixels), in the tests and
the classroom benchmark."""

from __future__ import annotations

import numpy as np

from core.tasks.classification import ClassificationResult
from core.tasks.depth import DepthResult
from core.tasks.detection import Box, DetectionResult
from core.tasks.segmentation import SegmentationResult


def classification_agreement(a: ClassificationResult, b: ClassificationResult) -> dict:
    """Same top class, and the largest score difference over the classes both show."""
    scores = {p.label: p.score for p in b.predictions}
    gaps = [abs(p.score - scores[p.label]) for p in a.predictions if p.label in scores]
    return {
        "same_top1": a.predictions[0].label == b.predictions[0].label,
        "max_score_gap": max(gaps, default=1.0),
    }


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes."""
    inter = Box(max(a.xmin, b.xmin), max(a.ymin, b.ymin), min(a.xmax, b.xmax), min(a.ymax, b.ymax))
    overlap = inter.area if inter.xmax > inter.xmin and inter.ymax > inter.ymin else 0.0
    union = a.area + b.area - overlap
    return overlap / union if union else 0.0


def detection_agreement(a: DetectionResult, b: DetectionResult, threshold: float) -> dict:
    """Whether the same boxes are drawn at `threshold`: the same count, and each box of `a`
    matched by a box of `b` with the same class; the worst IoU among those matches."""
    kept_a, kept_b = a.above(threshold), b.above(threshold)
    worst = 1.0
    for box in kept_a:
        same = [iou(box.box, other.box) for other in kept_b if other.label == box.label]
        worst = min(worst, max(same, default=0.0))
    return {"same_count": len(kept_a) == len(kept_b), "min_iou": worst}


def depth_agreement(a: DepthResult, b: DepthResult) -> dict:
    """Pearson correlation of the two depth maps."""
    x, y = a.depth.ravel().astype(np.float64), b.depth.ravel().astype(np.float64)
    if x.std() == 0 or y.std() == 0:
        return {"correlation": 1.0 if np.array_equal(x, y) else 0.0}
    return {"correlation": float(np.corrcoef(x, y)[0, 1])}


def label_map(result: SegmentationResult, shape: tuple[int, int]) -> np.ndarray:
    """Each pixel's label (the last segment covering it), '' where none does."""
    labels = np.full(shape, "", dtype=object)
    for segment in result.segments:
        labels[segment.mask] = segment.label
    return labels


def segmentation_agreement(a: SegmentationResult, b: SegmentationResult) -> dict:
    """Share of pixels given the same label."""
    shape = a.segments[0].mask.shape if a.segments else (1, 1)
    if not a.segments and not b.segments:
        return {"pixel_agreement": 1.0}
    return {"pixel_agreement": float(np.mean(label_map(a, shape) == label_map(b, shape)))}
