"""The Python that reproduces what a page shows, with the public `transformers.pipeline` API.

Every script has the same frame (open the image, build the pipeline, call it); each task gives
only its body (`SnippetBody`), declared beside its run function in the registry. Comments are
written as catalogue keys (`«snippet.decode_smaller»`) and read in the student's language when
the script is put together, so a Spanish student reads Spanish comments.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from core.i18n import t
from core.tasks.image_input import SAMPLE_PHOTOS, InputImage
from core.tasks.segmentation import INPUT_SIDE


class PipelineRef(Protocol):
    """A model as the pipeline is asked for it (`core.models.model_ref.ModelRef`)."""

    id: str
    task: str
    revision: str


@dataclass(frozen=True)
class SnippetBody:
    """What a task's script does with its pipeline: its variable name and the lines after."""

    variable: str  # the pipeline's name in the script: classifier, detector…
    lines: tuple[str, ...]
    before_call: tuple[str, ...] = ()  # lines between building the pipeline and calling it


_COMMENT = re.compile(r"«([\w.]+)»")


def comment(key: str) -> str:
    """A comment, as the catalogue key `task_code` reads in the student's language."""
    return f"  # «{key}»"


def quote(text: str) -> str:
    """A Python string literal in double quotes, whatever the text holds."""
    return json.dumps(text, ensure_ascii=False)


def _revision(ref: PipelineRef) -> str:
    """`, revision="…"` where the model is pinned to one, else nothing (`main` is the default)."""
    return f", revision={quote(ref.revision)}" if ref.revision != "main" else ""


def image_code(image: InputImage) -> list[str]:
    """Lines that open the same image the page used, the same way."""
    if image.source == "sample":
        loader = next(s.loader for s in SAMPLE_PHOTOS if s.id == image.name)
        pick = "[0]" if loader == "stereo_motorcycle" else ""
        return [
            "from PIL import Image",
            "from skimage import data",
            "",
            f"image = Image.fromarray(data.{loader}(){pick})",
        ]
    lines = ["from PIL import Image, ImageOps", "", f"image = Image.open({quote(image.name)})"]
    side = image.draft_side
    if image.drafted:
        lines.append(f'image.draft("RGB", ({side}, {side})){comment("snippet.decode_smaller")}')
    lines.append('image = ImageOps.exif_transpose(image).convert("RGB")')
    if image.drafted:
        lines += [
            f"if min(image.size) >= {2 * side}:{comment('snippet.no_more_than_needed')}",
            f"    image = image.reduce(min(image.size) // {side})",
        ]
    return lines


def task_code(ref: PipelineRef, image: InputImage, body: SnippetBody, lang: str = "en") -> str:
    """The script that reproduces a page's result: the image, the pipeline, the task's body,
    its comments in `lang`."""
    revision = _revision(ref)
    lines = [
        *image_code(image),
        "",
        "from transformers import pipeline",
        "",
        f"{body.variable} = pipeline({quote(ref.task)}, model={quote(ref.id)}{revision})",
        *body.before_call,
        *body.lines,
    ]
    return _COMMENT.sub(lambda found: t(lang, found[1]), "\n".join(lines))


def classification_snippet(top_k: int) -> SnippetBody:
    """Prints the same top-k the classification page shows."""
    return SnippetBody(
        "classifier",
        (
            f"for prediction in classifier(image, top_k={top_k}):",
            "    print(f\"{prediction['label']}: {prediction['score']:.1%}\")",
        ),
    )


def detection_snippet(threshold: float) -> SnippetBody:
    """Prints the same detections the detection page draws."""
    return SnippetBody(
        "detector",
        (
            f"for detection in detector(image, threshold={threshold:g}):",
            '    print(detection["label"], f"{detection[\'score\']:.1%}", detection["box"])',
        ),
    )


def depth_snippet() -> SnippetBody:
    """The lesson's depth snippet."""
    return SnippetBody(
        "depth_estimator",
        (
            "result = depth_estimator(image)",
            'depth = result["predicted_depth"]' + comment("snippet.depth_tensor"),
            "print(depth.shape, float(depth.min()), float(depth.max()))",
            'result["depth"].save("depth.png")' + comment("snippet.depth_grey"),
        ),
    )


def segmentation_snippet(subtask: str) -> SnippetBody:
    """Lists the same segments the segmentation page colours."""
    return SnippetBody(
        "segmenter",
        (
            f"for segment in segmenter(image, subtask={quote(subtask)}):",
            '    print(segment["label"], segment["score"], segment["mask"].size)',
        ),
        before_call=(
            f"image.thumbnail(({INPUT_SIDE}, {INPUT_SIDE}))" + comment("snippet.masks_side"),
        ),
    )


@dataclass(frozen=True)
class StepsCode:
    """How a task's step-by-step script differs from the others: the page options it takes (in
    the order the task's page passes them), lines before the processor, the processor's call
    and what is done with the model's outputs. Declared with the task in the registry."""

    options: tuple[str, ...]
    after: Callable[[dict], tuple[str, ...]]  # (named options) → lines after the forward pass
    before: tuple[str, ...] = ()
    processor: str = "AutoImageProcessor"  # AutoProcessor where texts go in too
    inputs: Callable[[dict], tuple[str, ...]] = lambda options: (
        'inputs = processor(images=image, return_tensors="pt")' + comment("steps.processor"),
        'print(inputs["pixel_values"].shape)',
    )


def steps_code(
    ref: PipelineRef,
    image: InputImage,
    auto_class: str,
    steps: StepsCode,
    lang: str = "en",
    **options: object,
) -> str:
    """The same result without `pipeline`: the processor, the model (its `auto_class`,
    "AutoModelForImageClassification"…) and the post-processing written out, as the step by
    step shows them; `steps` is the task's (`TaskSpec.steps`), `options` the page's, named."""
    revision = _revision(ref)
    model_class = auto_class or "AutoModel"
    lines = [
        *image_code(image),
        *steps.before,
        "",
        "import torch",
        f"from transformers import {steps.processor}, {model_class}",
        "",
        f"processor = {steps.processor}.from_pretrained({quote(ref.id)}{revision})",
        f"model = {model_class}.from_pretrained({quote(ref.id)}{revision})",
        "",
        *steps.inputs(options),
        "with torch.no_grad():",
        "    outputs = model(**inputs)" + comment("steps.forward"),
        *steps.after(options),
    ]
    return _COMMENT.sub(lambda found: t(lang, found[1]), "\n".join(lines))


_SIZE = "target_sizes=[image.size[::-1]]"  # (height, width): the photo's own size


def _classification_after(options: dict) -> tuple[str, ...]:
    return (
        "logits = outputs.logits[0]" + comment("steps.logits"),
        "probabilities = logits.softmax(-1)" + comment("steps.softmax"),
        f"k = min({options.get('top_k', 5)}, len(probabilities))" + comment("steps.top_k"),
        "top = probabilities.topk(k)",
        "for probability, index in zip(top.values, top.indices):",
        '    print(model.config.id2label[int(index)], f"{float(probability):.1%}")',
    )


def _detection_after(options: dict) -> tuple[str, ...]:
    return (
        "print(outputs.logits.shape)" + comment("steps.queries"),
        "found = processor.post_process_object_detection(",
        f"    outputs, threshold={options.get('threshold', 0.5):g}, {_SIZE}",
        ")[0]" + comment("steps.threshold"),
        'for score, label, box in zip(found["scores"], found["labels"], found["boxes"]):',
        '    print(model.config.id2label[int(label)], f"{float(score):.1%}",'
        " [round(float(v)) for v in box])",
    )


def _depth_after(options: dict) -> tuple[str, ...]:
    return (
        "raw = outputs.predicted_depth" + comment("steps.raw_depth"),
        "print(raw.shape, float(raw.min()), float(raw.max()))",
        "depth = torch.nn.functional.interpolate(",
        '    raw[:, None], size=image.size[::-1], mode="bicubic"',
        ")[0, 0]" + comment("steps.depth_resized"),
        "print(depth.shape)",
    )


def _segmentation_after(options: dict) -> tuple[str, ...]:
    subtask = options.get("subtask", "semantic")
    found = f"processor.post_process_{subtask}_segmentation(outputs, {_SIZE})[0]"
    if subtask == "semantic":
        return (
            f"classes = {found}" + comment("steps.masks_upsampled"),
            "for index in classes.unique():",
            "    print(model.config.id2label[int(index)], int((classes == index).sum()))",
        )
    return (
        f"found = {found}" + comment("steps.masks_upsampled"),
        'for segment in found["segments_info"]:',
        '    print(model.config.id2label[segment["label_id"]], segment.get("score"))',
    )


CLASSIFICATION_STEPS = StepsCode(("top_k",), _classification_after)
DETECTION_STEPS = StepsCode(("threshold",), _detection_after)
DEPTH_STEPS = StepsCode((), _depth_after)
SEGMENTATION_STEPS = StepsCode(
    ("subtask",),
    _segmentation_after,
    before=(f"image.thumbnail(({INPUT_SIDE}, {INPUT_SIDE}))" + comment("snippet.masks_side"),),
)


def gradio_pictionary(model_id: str, lang: str = "en") -> str:
    """The lesson's Gradio Pictionary as a whole script a student can copy and run
    (`pip install gradio transformers torch`): `predict` defined, the interface launched."""
    lines = [
        "import gradio as gr",
        "from transformers import pipeline",
        "",
        f'classifier = pipeline("image-classification", model={quote(model_id)})',
        "",
        "",
        "def predict(image):",
        '    """«snippet.gradio_predict»"""',
        '    return {p["label"]: p["score"] for p in classifier(image)}',
        "",
        "",
        "demo = gr.Interface(",
        "    fn=predict,",
        '    inputs=gr.Image(type="pil"),' + comment("snippet.gradio_input"),
        "    outputs=gr.Label(num_top_classes=2),",
        '    title="Pictionary",',
        ")",
        "demo.launch()" + comment("snippet.gradio_launch"),
    ]
    return _COMMENT.sub(lambda found: t(lang, found[1]), "\n".join(lines))
