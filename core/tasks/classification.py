"""Image classification: an image in, the classes the model knows with a probability each."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from core.tasks.run_info import RunInfo, TaskModel

# Predictions kept per run; the page's top-k slider only slices them, so moving it never
# runs the model again.
TOP_K_MAX = 10


@dataclass(frozen=True)
class Prediction:
    label: str
    score: float  # probability, 0–1


@dataclass(frozen=True)
class ClassificationResult:
    """What one model said about one image, best first, and how long it took."""

    predictions: tuple[Prediction, ...]
    run: RunInfo

    def top(self, k: int) -> tuple[Prediction, ...]:
        """The `k` most probable classes."""
        if k < 1:
            raise ValueError("k must be at least 1")
        return self.predictions[:k]


def classify(model: TaskModel, image: Image.Image) -> ClassificationResult:
    """Run an image-classification pipeline; raises `ModelError` if the model fails."""
    labels = len(model.pipe.model.config.id2label)
    raw, run = model.run(image, top_k=min(TOP_K_MAX, labels))
    predictions = tuple(Prediction(str(p["label"]), float(p["score"])) for p in raw)
    return ClassificationResult(predictions, run)
