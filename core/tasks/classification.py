"""Image classification: an image in, the classes the model knows with a probability each.

The run keeps the pipeline's three steps in view (`ClassificationSteps`), with the numbers of
the image on screen: what the image processor hands the model, the model's logits, and the
softmax that turns them into probabilities. The pipeline is asked for the raw logits of every
class (`function_to_apply="none"`) and the softmax is computed here, as the lesson writes it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
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
class ClassificationSteps:
    """How the pipeline got from the photo to the probabilities, for one image and model."""

    model_input: np.ndarray  # what the model sees: the processor's resized, cropped image (uint8)
    mean: tuple[float, ...]  # the normalisation, per channel: (pixel / 255 − mean) / std
    std: tuple[float, ...]
    logits: tuple[float, ...]  # the model's raw score of each kept prediction, best first
    classes: int  # how many classes the model scores: the softmax runs over all of them
    log_sum: float  # log Σ exp(logit) over every class: probability = exp(logit − log_sum)
    activation: str  # "softmax" (one class per image) or "sigmoid" (multi-label models)


@dataclass(frozen=True)
class ClassificationResult:
    """What one model said about one image, best first, how it got there and how long it took."""

    predictions: tuple[Prediction, ...]
    run: RunInfo
    steps: ClassificationSteps | None = None

    def top(self, k: int) -> tuple[Prediction, ...]:
        """The `k` most probable classes."""
        if k < 1:
            raise ValueError("k must be at least 1")
        return self.predictions[:k]


def classify(model: TaskModel, image: Image.Image, steps: bool = True) -> ClassificationResult:
    """Run an image-classification pipeline; raises `ModelError` if the model fails. With
    `steps` (the classification page) the result keeps the step by step, which costs a second
    run of the image processor and the logits of every class (about 13 ms for ViT-Base):
    Pictionary's guesses, one per stroke, go without."""
    config = model.pipe.model.config
    classes = len(config.id2label)
    kept = min(TOP_K_MAX, classes)
    if not steps:  # the pipeline's own softmax over its top-k: the cheapest path
        raw, run = model.run(image, top_k=kept)
        predictions = tuple(Prediction(str(p["label"]), float(p["score"])) for p in raw)
        return ClassificationResult(predictions, run)
    raw, run = model.run(image, top_k=classes, function_to_apply="none")  # every logit, best first
    logits = np.array([float(p["score"]) for p in raw], dtype=np.float64)
    multi_label = config.problem_type == "multi_label_classification" or classes == 1
    if multi_label:  # each class on its own: a sigmoid, as the pipeline applies to these models
        log_sum = math.nan
        probabilities = 1.0 / (1.0 + np.exp(-logits))
    else:
        top = float(logits.max())
        log_sum = top + math.log(float(np.exp(logits - top).sum()))
        probabilities = np.exp(logits - log_sum)
    predictions = tuple(
        Prediction(str(p["label"]), float(q)) for p, q in zip(raw[:kept], probabilities[:kept])
    )
    mean, std, picture = model_input(model.pipe.image_processor, image)
    shown = ClassificationSteps(
        picture,
        mean,
        std,
        tuple(float(z) for z in logits[:kept]),
        classes,
        log_sum,
        "sigmoid" if multi_label else "softmax",
    )
    return ClassificationResult(predictions, run, shown)


def model_input(processor: Any, image: Image.Image) -> tuple[tuple, tuple, np.ndarray]:
    """The processor's normalisation (mean, std) and the picture it hands the model, with the
    normalisation undone so that a student can see it (height × width × 3, uint8)."""
    pixels = processor(images=image, return_tensors="pt")["pixel_values"][0].float().numpy()
    timm = getattr(processor, "data_config", None)  # timm's processor: its transforms' settings
    if timm is not None:  # to a tensor (÷ 255), then (x − mean) / std
        mean, std, rescale = tuple(timm["mean"]), tuple(timm["std"]), 1 / 255
    else:
        normalise = getattr(processor, "do_normalize", False)
        mean = tuple(processor.image_mean) if normalise else (0.0,) * 3
        std = tuple(processor.image_std) if normalise else (1.0,) * 3
        rescale = processor.rescale_factor if getattr(processor, "do_rescale", False) else 1.0
    mean, std = tuple(float(m) for m in mean), tuple(float(s) for s in std)
    channels = pixels.shape[0]
    values = (
        pixels * np.array(std[:channels])[:, None, None] + np.array(mean[:channels])[:, None, None]
    )
    picture = np.clip(np.rint(values / rescale), 0, 255).astype(np.uint8).transpose(1, 2, 0)
    if picture.shape[2] == 1:
        picture = np.repeat(picture, 3, axis=2)
    return mean, std, picture
