"""Object detection: find and locate each instance of an object in an image.

A detection is a class, a bounding box and a confidence. The model runs once and the pipeline
returns every query's guess (threshold 0): the result counts them (`proposals`, the raw queries
the lesson's step by step shows) and keeps those above a low floor; the page's threshold slider
only filters these cached detections.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from PIL import Image

from core.tasks.run_info import RunInfo, TaskModel

# Detections kept from a run; the threshold slider starts here.
MIN_SCORE = 0.05


@dataclass(frozen=True)
class Box:
    """Corners in pixels of the image the model saw: (xmin, ymin) top left."""

    xmin: float
    ymin: float
    xmax: float
    ymax: float

    @property
    def area(self) -> float:
        return max(0.0, self.xmax - self.xmin) * max(0.0, self.ymax - self.ymin)


@dataclass(frozen=True)
class Detection:
    label: str
    score: float
    box: Box


@dataclass(frozen=True)
class DetectionResult:
    """Everything one model found above `MIN_SCORE`, best first."""

    detections: tuple[Detection, ...]
    run: RunInfo
    proposals: int = 0  # the model's raw guesses (DETR: one per query) before any threshold

    def above(self, threshold: float) -> tuple[Detection, ...]:
        """The detections a given score threshold keeps."""
        return tuple(d for d in self.detections if d.score >= threshold)

    def counts(self, threshold: float) -> dict[str, int]:
        """How many objects of each class, most frequent first (counting objects)."""
        return dict(Counter(d.label for d in self.above(threshold)).most_common())


def detect(model: TaskModel, image: Image.Image) -> DetectionResult:
    """Run an object-detection pipeline; raises `ModelError` if the model fails."""
    raw, run = model.run(image, threshold=0.0)
    detections = sorted(
        (
            Detection(
                str(d["label"]),
                float(d["score"]),
                Box(**{k: float(v) for k, v in d["box"].items()}),
            )
            for d in raw
            if d["score"] >= MIN_SCORE
        ),
        key=lambda d: -d.score,
    )
    return DetectionResult(tuple(detections), run, len(raw))
