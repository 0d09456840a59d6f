"""The Python that reproduces what a page shows, with the public `transformers.pipeline` API."""

from __future__ import annotations

import json

from core.models.model_ref import ModelRef
from core.models.registry import SAMPLE_PHOTOS
from core.tasks.image_input import InputImage
from core.tasks.segmentation import INPUT_SIDE


def _quote(text: str) -> str:
    """A Python string literal in double quotes, whatever the text holds."""
    return json.dumps(text, ensure_ascii=False)


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
    lines = ["from PIL import Image, ImageOps", "", f"image = Image.open({_quote(image.name)})"]
    side = image.draft_side
    if image.drafted:
        lines.append(f'image.draft("RGB", ({side}, {side}))  # decode a big JPEG smaller')
    lines.append('image = ImageOps.exif_transpose(image).convert("RGB")')
    if image.drafted:
        lines += [
            f"if min(image.size) >= {2 * side}:  # keep no more than the model needs",
            f"    image = image.reduce(min(image.size) // {side})",
        ]
    return lines


def pipeline_line(variable: str, ref: ModelRef) -> str:
    """`variable = pipeline(task, model=..., revision=...)`, revision only where pinned."""
    revision = f", revision={_quote(ref.revision)}" if ref.revision != "main" else ""
    return f"{variable} = pipeline({_quote(ref.task)}, model={_quote(ref.id)}{revision})"


def classification_code(ref: ModelRef, image: InputImage, top_k: int) -> str:
    """The script that prints the same top-k the classification page shows."""
    lines = [
        *image_code(image),
        "",
        "from transformers import pipeline",
        "",
        pipeline_line("classifier", ref),
        f"for prediction in classifier(image, top_k={top_k}):",
        "    print(f\"{prediction['label']}: {prediction['score']:.1%}\")",
    ]
    return "\n".join(lines)


def detection_code(ref: ModelRef, image: InputImage, threshold: float) -> str:
    """The script that prints the same detections the detection page draws."""
    lines = [
        *image_code(image),
        "",
        "from transformers import pipeline",
        "",
        pipeline_line("detector", ref),
        f"for detection in detector(image, threshold={threshold:g}):",
        '    print(detection["label"], f"{detection[\'score\']:.1%}", detection["box"])',
    ]
    return "\n".join(lines)


def depth_code(ref: ModelRef, image: InputImage) -> str:
    """The lesson's depth snippet, for the model and image on the page."""
    lines = [
        *image_code(image),
        "",
        "from transformers import pipeline",
        "",
        pipeline_line("depth_estimator", ref),
        "result = depth_estimator(image)",
        'depth = result["predicted_depth"]  # a tensor, one value per pixel',
        "print(depth.shape, float(depth.min()), float(depth.max()))",
        'result["depth"].save("depth.png")  # the same map as a grey image',
    ]
    return "\n".join(lines)


def segmentation_code(ref: ModelRef, image: InputImage, subtask: str) -> str:
    """The script that lists the same segments the segmentation page colours."""
    lines = [
        *image_code(image),
        "",
        "from transformers import pipeline",
        "",
        pipeline_line("segmenter", ref),
        f"image.thumbnail(({INPUT_SIDE}, {INPUT_SIDE}))  # masks at most {INPUT_SIDE} px a side",
        f"for segment in segmenter(image, subtask={_quote(subtask)}):",
        '    print(segment["label"], segment["score"], segment["mask"].size)',
    ]
    return "\n".join(lines)
