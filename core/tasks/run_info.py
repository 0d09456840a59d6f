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


class TaskModel(Protocol):
    """A loaded pipeline as the run functions use it (`core.models.loader.LoadedModel`)."""

    pipe: Any  # a transformers pipeline: `pipe.model.config` holds the labels and model type

    def run(self, *args: Any, **kwargs: Any) -> tuple[Any, RunInfo]:
        """The pipeline's output for these arguments, and how the run went."""
        ...
