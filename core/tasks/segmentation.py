"""Image segmentation: which pixels belong to each class (semantic), to each object (instance),
or both (panoptic: every pixel gets a class, and countable things are also told apart)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from core.tasks.colours import label_colour, rgb
from core.tasks.run_info import RunInfo, TaskModel, processed_shape

SUBTASKS = ("semantic", "instance", "panoptic")
# The pipeline upsamples each class's scores to the input's size (150 classes for ADE20K):
# a bigger input only costs time and memory: SegFormer-B0 predicts at 128 × 128, Mask2Former
# at 96 × 96 (a quarter of their input), so larger masks would only be interpolated.
INPUT_SIDE = 384


@dataclass(frozen=True)
class Segment:
    label: str
    score: float | None  # semantic segments have none
    mask: np.ndarray  # bool, height × width


@dataclass(frozen=True)
class ClassShare:
    label: str
    share: float  # of the image's pixels, 0–1
    instances: int


@dataclass(frozen=True)
class SegmentationResult:
    subtask: str
    segments: tuple[Segment, ...]
    run: RunInfo
    # The image as the model sees it (the processor's resize), height × width: its masks come
    # out coarser still, and the pipeline enlarges them to the photo.
    input_shape: tuple[int, int] = (0, 0)

    def shares(self) -> list[ClassShare]:
        """Each class's share of the image and how many segments it has, largest first."""
        if not self.segments:
            return []
        covered: dict[str, np.ndarray] = {}
        counts: dict[str, int] = defaultdict(int)
        for segment in self.segments:
            union = covered.get(segment.label)
            covered[segment.label] = segment.mask if union is None else union | segment.mask
            counts[segment.label] += 1
        pixels = self.segments[0].mask.size
        shares = [ClassShare(k, float(m.sum()) / pixels, counts[k]) for k, m in covered.items()]
        return sorted(shares, key=lambda s: -s.share)


def subtasks_of(pipe: Any) -> tuple[str, ...]:
    """The subtasks a segmentation pipeline can answer, as transformers' pipeline decides: its
    image processor's post-processing for each (`post_process_panoptic_segmentation`…)."""
    processor = pipe.image_processor
    return tuple(s for s in SUBTASKS if hasattr(processor, f"post_process_{s}_segmentation"))


def segment(model: TaskModel, image: Image.Image, subtask: str) -> SegmentationResult:
    """Run an image-segmentation pipeline for one subtask; raises `ModelError` on failure."""
    if subtask not in SUBTASKS:
        raise ValueError(f"subtask must be one of {SUBTASKS}")
    image = fit_within(image, INPUT_SIDE)
    raw, run = model.run(image, subtask=subtask)
    segments = (
        Segment(
            str(s["label"]),
            None if s.get("score") is None else float(s["score"]),
            np.asarray(s["mask"].convert("L")) > 127,  # the pipeline's masks are 0 or 255
        )
        for s in raw
    )
    # Instance segmentation paints later instances over earlier ones: an instance entirely
    # covered has no pixel left to show or count, so it is not a segment of the picture.
    kept = tuple(s for s in segments if s.mask.any())
    return SegmentationResult(subtask, kept, run, processed_shape(model, image))


def fit_within(image: Image.Image, side: int) -> Image.Image:
    """The image scaled down (never up) so that its longer side is at most `side`, exactly as
    `Image.thumbnail` does (the code snippet uses it)."""
    if max(image.size) <= side:
        return image
    fitted = image.copy()
    fitted.thumbnail((side, side))
    return fitted


def overlay(
    image: Image.Image, segments: tuple[Segment, ...], hidden: set[str], opacity: float
) -> Image.Image:
    """The image with each visible segment tinted in its class colour.

    Instances of one class get slightly different shades so that neighbours stay apart."""
    if not 0 <= opacity <= 1:
        raise ValueError("opacity must be between 0 and 1")
    if segments and segments[0].mask.shape != (image.height, image.width):
        image = image.resize(segments[0].mask.shape[::-1], Image.BILINEAR)  # see INPUT_SIDE
    base = np.asarray(image.convert("RGB"), dtype=np.float32)
    tint = base.copy()
    seen: dict[str, int] = defaultdict(int)
    for segment in segments:
        if segment.label in hidden:
            continue
        shade = 1.0 - 0.18 * (seen[segment.label] % 4)
        seen[segment.label] += 1
        colour = np.array(rgb(label_colour(segment.label)), dtype=np.float32) * shade
        tint[segment.mask] = colour
    blended = base * (1 - opacity) + tint * opacity
    return Image.fromarray(blended.clip(0, 255).astype(np.uint8))
