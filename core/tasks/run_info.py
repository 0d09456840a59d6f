"""What every task result says about its run, and what a task's run function needs of a model.

The loader (`core.models.loader.LoadedModel`) times each call and returns a `RunInfo` with the
pipeline's output, so the four run functions only turn outputs into typed results.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class RunInfo:
    """Which model answered, where it ran, and how long the student waited for it."""

    model_id: str
    seconds: float  # from the call to the answer, waiting for the model's thread included
    device: str  # "cpu", "cuda:0", "mps"…
    # The transformers auto class that builds the model ("AutoModelForSemanticSegmentation"):
    # what the step-by-step code imports. Empty where unknown.
    auto_class: str = ""


class TaskModel(Protocol):
    """A loaded pipeline as the run functions use it (`core.models.loader.LoadedModel`)."""

    pipe: Any  # a transformers pipeline: `pipe.model.config` holds the labels and model type

    def run(self, *args: Any, **kwargs: Any) -> tuple[Any, RunInfo]:
        """The pipeline's output for these arguments, and how the run went."""
        ...


def processed_shape(model: TaskModel, image: Any) -> tuple[int, int]:
    """Height and width of the tensor the image processor makes of `image` for the model."""
    processor = getattr(model.pipe, "image_processor", None)
    if processor is None:
        return (0, 0)
    pixels = processor(images=image, return_tensors="pt")["pixel_values"]
    return (int(pixels.shape[-2]), int(pixels.shape[-1]))
