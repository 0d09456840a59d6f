"""Zero-shot image classification: the student writes the classes, and a model that joins
images and texts (CLIP, SigLIP) scores the photo against each.

The answer is the pipeline's (`zero-shot-image-classification`). The step by step opens it up
with the numbers of the image on screen: each class written into the prompt template, the
image's embedding and each prompt's, their cosine similarity, times the model's logit scale
(plus SigLIP's bias), then a softmax over the classes (CLIP: they compete, the scores add up to
1) or a sigmoid for each (SigLIP: each class is a yes-or-no question of its own).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from core.tasks.classification import Prediction, model_input
from core.tasks.code_snippets import SnippetBody, StepsCode, comment, quote
from core.tasks.run_info import RunInfo, TaskModel

MAX_CLASSES = 12  # a student writes their own list: more would make the bars unreadable
MAX_CLASS_CHARS = 60
PLACE = "{}"  # where a class goes in the prompt template


@dataclass(frozen=True)
class ZeroShotSteps:
    """How the model compared the photo with each written class, in the classes' order."""

    model_input: np.ndarray  # what the image encoder sees (uint8, height × width × 3)
    mean: tuple[float, ...]
    std: tuple[float, ...]
    prompts: tuple[str, ...]  # each class written into the template: what the text encoder reads
    tokens: tuple[int, ...]  # how many tokens each prompt became
    embedding_size: int  # the length of every embedding, image and text alike
    similarities: tuple[float, ...]  # cosine similarity of the image with each prompt
    logit_scale: float  # exp of the model's learnt temperature
    logit_bias: float  # SigLIP's learnt bias (0 for CLIP)
    logits: tuple[float, ...]  # scale × similarity + bias
    activation: str  # "softmax" (CLIP: the classes compete) or "sigmoid" (SigLIP: each alone)


@dataclass(frozen=True)
class ZeroShotResult:
    """What the model said of each class written, best first, and how it got there."""

    predictions: tuple[Prediction, ...]
    classes: tuple[str, ...]  # as written, in the student's order
    template: str
    run: RunInfo
    steps: ZeroShotSteps | None = None

    def top(self, k: int) -> tuple[Prediction, ...]:
        if k < 1:
            raise ValueError("k must be at least 1")
        return self.predictions[:k]


def written_classes(text: str) -> tuple[str, ...]:
    """The classes a student wrote, separated by commas or lines: trimmed, without empty ones
    or repeats (the first kept), each cut to `MAX_CLASS_CHARS`, at most `MAX_CLASSES`."""
    seen: dict[str, None] = {}
    for part in text.replace("\n", ",").split(","):
        name = " ".join(part.split())[:MAX_CLASS_CHARS]
        if name and name.casefold() not in {s.casefold() for s in seen}:
            seen[name] = None
    return tuple(seen)[:MAX_CLASSES]


def prompt(template: str, name: str) -> str:
    """A class written into the template, as the pipeline writes it (`template.format(name)`),
    or the class alone when the template has no `{}`."""
    return template.replace(PLACE, name, 1) if PLACE in template else name


def pipeline_template(template: str) -> str:
    """The template as `str.format` reads it: only its first `{}` is a place, other braces are
    text."""
    before, _, after = template.partition(PLACE)
    escape = lambda text: text.replace("{", "{{").replace("}", "}}")  # noqa: E731
    return escape(before) + PLACE + escape(after) if PLACE in template else PLACE


def _text_options(model: Any) -> dict:
    """How the pipeline tokenizes the prompts: padded to the longest, but SigLIP, trained on
    texts padded to 64 tokens, always to 64."""
    if "siglip" in model.config.model_type:
        return {"padding": "max_length", "max_length": 64, "truncation": True}
    return {"padding": True}


def classify_zero_shot(
    model: TaskModel,
    image: Image.Image,
    classes: tuple[str, ...],
    template: str,
    steps: bool = True,
) -> ZeroShotResult:
    """Score `image` against each of `classes` written into `template` ("una foto de {}."), with
    the pipeline; with `steps`, the comparison opened up (a second forward pass of the model
    itself, outside the pipeline, on this thread: its scores equal the pipeline's, which
    tests/test_zero_shot.py checks). Raises ValueError for no class, `ModelError` if the model
    fails."""
    if not classes:
        raise ValueError("write at least one class")
    if template.strip() and PLACE not in template:
        template = f"{template.strip()} {PLACE}"
    template = template.strip() or PLACE
    raw, run = model.run(
        image, candidate_labels=list(classes), hypothesis_template=pipeline_template(template)
    )
    predictions = tuple(Prediction(str(p["label"]), float(p["score"])) for p in raw)
    shown = _steps(model, image, classes, template) if steps else None
    return ZeroShotResult(predictions, tuple(classes), template, run, shown)


def _steps(model: TaskModel, image: Image.Image, classes: tuple[str, ...], template: str):
    import torch

    pipe = model.pipe
    network = pipe.model
    prompts = tuple(prompt(template, name) for name in classes)
    pixels = pipe.image_processor(images=[image], return_tensors="pt")["pixel_values"]
    texts = pipe.tokenizer(list(prompts), return_tensors="pt", **_text_options(network))
    with torch.inference_mode():
        output = network(**texts, pixel_values=pixels.to(pipe.dtype))
    image_embedding = output.image_embeds[0].float()
    text_embeddings = output.text_embeds.float()
    image_embedding = image_embedding / image_embedding.norm()
    text_embeddings = text_embeddings / text_embeddings.norm(dim=-1, keepdim=True)
    similarities = (text_embeddings @ image_embedding).tolist()
    scale = math.exp(float(network.logit_scale.detach()))
    learnt_bias = getattr(network, "logit_bias", None)
    bias = float(learnt_bias.detach()) if learnt_bias is not None else 0.0
    sigmoid = "siglip" in network.config.model_type
    tokens = tuple(len(pipe.tokenizer(p)["input_ids"]) for p in prompts)  # without padding
    mean, std, picture = model_input(pipe.image_processor, image)
    return ZeroShotSteps(
        picture,
        mean,
        std,
        prompts,
        tokens,
        int(image_embedding.shape[0]),
        tuple(float(s) for s in similarities),
        scale,
        bias,
        tuple(scale * s + bias for s in similarities),
        "sigmoid" if sigmoid else "softmax",
    )


def probabilities(logits: tuple[float, ...], activation: str) -> tuple[float, ...]:
    """The step by step's last step: a softmax over the classes, or a sigmoid for each."""
    values = np.array(logits, dtype=np.float64)
    if activation == "sigmoid":
        return tuple(float(v) for v in 1 / (1 + np.exp(-values)))
    exp = np.exp(values - values.max())
    return tuple(float(v) for v in exp / exp.sum())


# The code shown on the page: with `pipeline()`, then the same written out (`TaskSpec.snippet`
# and `TaskSpec.steps`; comments are catalogue keys, read in the student's language).
def zero_shot_snippet(classes: tuple[str, ...], template: str) -> SnippetBody:
    """Prints the same scores the zero-shot page shows, for the classes the student wrote."""
    return SnippetBody(
        "classifier",
        (
            f"classes = {_quote_list(classes)}",
            f"template = {quote(pipeline_template(template))}" + comment("snippet.template"),
            "for prediction in classifier(image, candidate_labels=classes,"
            " hypothesis_template=template):",
            "    print(f\"{prediction['label']}: {prediction['score']:.1%}\")",
        ),
    )


def _quote_list(texts: tuple[str, ...]) -> str:
    return "[" + ", ".join(quote(text) for text in texts) + "]"


def _zero_shot_inputs(options: dict) -> tuple[str, ...]:
    classes = tuple(options.get("classes", ()))
    prompts = tuple(prompt(str(options.get("template", "{}")), name) for name in classes)
    return (
        f"classes = {_quote_list(classes)}",
        f"prompts = {_quote_list(prompts)}" + comment("steps.zs_prompts"),
        'sigmoid = "siglip" in model.config.model_type' + comment("steps.zs_sigmoid"),
        'padding = {"padding": "max_length", "max_length": 64} if sigmoid else {"padding": True}',
        'inputs = processor(text=prompts, images=image, return_tensors="pt", **padding)',
        'print(inputs["pixel_values"].shape, inputs["input_ids"].shape)',
    )


def _zero_shot_after(options: dict) -> tuple[str, ...]:
    return (
        "image_embedding = outputs.image_embeds[0]" + comment("steps.zs_embeddings"),
        "similarity = outputs.text_embeds @ image_embedding" + comment("steps.zs_cosine"),
        "logits = similarity * model.logit_scale.exp()" + comment("steps.zs_scale"),
        "if sigmoid:",
        "    logits = logits + model.logit_bias",
        "probabilities = logits.sigmoid() if sigmoid else logits.softmax(-1)",
        "ranked = sorted(zip(classes, probabilities.tolist()), key=lambda pair: -pair[1])",
        "for name, probability in ranked:",
        '    print(f"{name}: {probability:.1%}")',
    )


ZERO_SHOT_STEPS = StepsCode(
    ("classes", "template"), _zero_shot_after, processor="AutoProcessor", inputs=_zero_shot_inputs
)
