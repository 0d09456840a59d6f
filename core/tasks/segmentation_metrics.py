"""How segmentation is measured: the IoU of two masks, per class, and their mean (mIoU), on a
small labelled street scene whose prediction the student changes (the segmentation page's
lesson, like `detection_metrics` for boxes).

A scene is a grid of class indices (`CLASSES`), one per pixel: the ground truth is fixed, the
prediction is drawn from three choices (where the sky ends, where the road begins, where the car
is). For instance segmentation, AP and mAP are computed as for detection, with the mask IoU of
`mask_iou` in place of the boxes' IoU.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CLASSES = ("sky", "building", "road", "car")
WIDTH, HEIGHT = 24, 16
CAR_WIDTH, CAR_ROWS = 8, (9, 13)  # the car: 8 pixels wide, rows 9 to 12


@dataclass(frozen=True)
class SceneChoice:
    """A prediction of the scene: the first row that is not sky, the first row of road, and
    the car's first column."""

    sky_ends: int
    road_starts: int
    car_starts: int


TRUTH_CHOICE = SceneChoice(sky_ends=6, road_starts=11, car_starts=6)
EXAMPLE_PREDICTION = SceneChoice(sky_ends=5, road_starts=12, car_starts=8)


def scene(choice: SceneChoice) -> np.ndarray:
    """The HEIGHT × WIDTH grid of class indices that `choice` draws."""
    grid = np.full((HEIGHT, WIDTH), CLASSES.index("building"), dtype=np.int8)
    grid[: choice.sky_ends] = CLASSES.index("sky")
    grid[choice.road_starts :] = CLASSES.index("road")
    top, bottom = CAR_ROWS
    grid[top:bottom, choice.car_starts : choice.car_starts + CAR_WIDTH] = CLASSES.index("car")
    return grid


def mask_iou(predicted: np.ndarray, truth: np.ndarray) -> float | None:
    """|predicted ∩ truth| / |predicted ∪ truth| of two boolean masks; None when both are empty
    (the class is in neither, so it has no IoU)."""
    union = np.logical_or(predicted, truth).sum()
    if union == 0:
        return None
    return float(np.logical_and(predicted, truth).sum() / union)


@dataclass(frozen=True)
class SegmentationScores:
    ious: dict[str, float]  # per class present in the truth or the prediction
    mean_iou: float  # mIoU: the mean of the classes' IoU, each class counting the same
    pixel_accuracy: float  # the share of pixels given their true class


def scores(predicted: np.ndarray, truth: np.ndarray) -> SegmentationScores:
    """Each class's IoU, the mIoU and the pixel accuracy of a predicted grid against the truth."""
    ious = {}
    for index, name in enumerate(CLASSES):
        value = mask_iou(predicted == index, truth == index)
        if value is not None:
            ious[name] = value
    return SegmentationScores(
        ious, float(np.mean(list(ious.values()))), float((predicted == truth).mean())
    )
