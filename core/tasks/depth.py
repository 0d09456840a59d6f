"""Depth estimation: how far each pixel is from the camera, from a single image.

Relative models (MiDaS/DPT, Depth Anything) predict *relative inverse depth*: larger means
nearer, up to an unknown scale and shift. Metric models (ZoeDepth, GLPN, Depth Pro, the metric
Depth Anything checkpoints) predict depth in metres; `is_metric_depth` tells them apart from the
model's configuration, so a model id a student types is read the right way round.
To compare a prediction with ground truth, both are put in inverse-depth (disparity) space and
the prediction is aligned by least squares (scale and shift), as in MiDaS's evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from core.tasks.run_info import RunInfo, TaskModel, processed_shape

# transformers model types whose head always predicts metres: ZoeDepth's metric bins, GLPN's
# sigmoid × max_depth, Depth Pro's focal-length-scaled depth, Prompt Depth Anything.
METRIC_MODEL_TYPES = {"zoedepth", "glpn", "depth_pro", "prompt_depth_anything"}


def is_metric_depth(config: Any) -> bool:
    """Whether a depth model predicts metres (True) or relative inverse depth (False), read from
    its configuration: Depth Anything has both kinds of checkpoint, told apart by
    `depth_estimation_type` (its metric head ends in a sigmoid scaled by `max_depth`)."""
    if config.model_type == "depth_anything":
        return getattr(config, "depth_estimation_type", "relative") == "metric"
    return config.model_type in METRIC_MODEL_TYPES


@dataclass(frozen=True)
class DepthResult:
    """A depth map at the image's size, and what its values mean."""

    depth: np.ndarray  # float32, height × width
    metric: bool  # metres when True; relative inverse depth (bigger = nearer) otherwise
    run: RunInfo
    # The image as the model sees it (the processor's resize), height × width; the pipeline
    # returns the map already enlarged to the photo.
    input_shape: tuple[int, int] = (0, 0)

    def nearness(self) -> np.ndarray:
        """Values that grow towards the camera, whatever the model predicts."""
        return -self.depth if self.metric else self.depth


@dataclass(frozen=True)
class GroundTruthComparison:
    aligned: np.ndarray  # the prediction as disparity, after scale and shift
    target: np.ndarray  # ground-truth disparity (NaN where unknown)
    abs_rel: float
    delta1: float  # share of pixels with max(pred/gt, gt/pred) < 1.25
    scale: float
    shift: float


def estimate_depth(model: TaskModel, image: Image.Image) -> DepthResult:
    """Run a depth-estimation pipeline; raises `ModelError` if the model fails."""
    output, run = model.run(image)
    depth = output["predicted_depth"].squeeze().float().cpu().numpy()
    if depth.shape != (image.height, image.width):
        resized = Image.fromarray(depth.astype(np.float32), "F").resize(image.size, Image.BICUBIC)
        depth = np.asarray(resized)
    metric = is_metric_depth(model.pipe.model.config)
    return DepthResult(depth.astype(np.float32), metric, run, processed_shape(model, image))


def downsample(values: np.ndarray, max_side: int) -> np.ndarray:
    """Every n-th row and column, so that no side exceeds `max_side` (for the browser)."""
    step = max(1, int(np.ceil(max(values.shape[:2]) / max_side)))
    return values[::step, ::step]


def align_scale_shift(
    prediction: np.ndarray, target: np.ndarray, mask: np.ndarray
) -> tuple[np.ndarray, float, float]:
    """`scale · prediction + shift` closest to `target` in least squares over `mask`."""
    x = prediction[mask].astype(np.float64)
    y = target[mask].astype(np.float64)
    if x.size < 2:
        raise ValueError("at least two valid pixels are needed to align")
    design = np.stack([x, np.ones_like(x)], axis=1)
    (scale, shift), *_ = np.linalg.lstsq(design, y, rcond=None)
    return (scale * prediction + shift).astype(np.float32), float(scale), float(shift)


def abs_rel(prediction: np.ndarray, target: np.ndarray, mask: np.ndarray) -> float:
    """Mean absolute relative error, mean(|pred − gt| / gt), over `mask` (0 is perfect)."""
    p, g = prediction[mask].astype(np.float64), target[mask].astype(np.float64)
    return float(np.mean(np.abs(p - g) / g))


def delta_accuracy(
    prediction: np.ndarray, target: np.ndarray, mask: np.ndarray, threshold: float = 1.25
) -> float:
    """Share of pixels where max(pred/gt, gt/pred) < threshold (1 is perfect)."""
    p = np.maximum(prediction[mask].astype(np.float64), 1e-9)  # a negative guess is just wrong
    g = target[mask].astype(np.float64)
    return float(np.mean(np.maximum(p / g, g / p) < threshold))


def compare_with_disparity(result: DepthResult, disparity: np.ndarray) -> GroundTruthComparison:
    """Align the prediction to ground-truth disparity and score it (AbsRel, δ<1.25)."""
    if disparity.shape != result.depth.shape:
        raise ValueError(
            f"ground truth {disparity.shape} and prediction {result.depth.shape} differ"
        )
    mask = np.isfinite(disparity) & (disparity > 0)
    prediction = 1.0 / np.maximum(result.depth, 1e-6) if result.metric else result.depth
    aligned, scale, shift = align_scale_shift(prediction, disparity, mask)
    target = np.where(mask, disparity, np.nan).astype(np.float32)
    return GroundTruthComparison(
        aligned=aligned,
        target=target,
        abs_rel=abs_rel(aligned, disparity, mask),
        delta1=delta_accuracy(aligned, disparity, mask),
        scale=scale,
        shift=shift,
    )


def motorcycle_disparity() -> np.ndarray:
    """Ground-truth disparity of the Middlebury motorcycle (left view), inf where unknown."""
    from skimage import data

    return data.stereo_motorcycle()[2]
