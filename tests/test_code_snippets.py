"""The step-by-step code of each task (image processor, model, post-processing written out)
runs on the tiny models and finds what the page found."""

from __future__ import annotations

import contextlib
import io

import pytest

from core.models.loader import ModelCache
from core.models.model_ref import ModelRef
from core.models.registry import TASKS
from core.tasks.code_snippets import steps_code
from core.tasks.depth import estimate_depth
from core.tasks.detection import detect
from core.tasks.image_input import sample_photo
from core.tasks.segmentation import segment


def run(code: str, ref: ModelRef, folder) -> list[str]:
    runnable = code.replace(f'"{ref.id}"', repr(str(folder)))
    runnable = runnable.replace(f', revision="{ref.revision}"', "")
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(runnable, "steps", "exec"), {})
    return output.getvalue().splitlines()


def folder_of(root, ref: ModelRef):
    suffix = f"@{ref.revision}" if ref.revision != "main" else ""
    return root / (ref.id.replace("/", "--") + suffix)


def test_detection_steps_keep_the_boxes_the_page_keeps(local_models):
    ref = ModelRef("hustvl/yolos-tiny", "object-detection")
    image = sample_photo("coffee")
    result = detect(ModelCache(10**9).get(ref), image.image)
    assert result.run.auto_class == "AutoModelForObjectDetection"
    threshold = 0.3
    code = steps_code(
        ref, image, result.run.auto_class, TASKS[ref.task].steps, "en", threshold=threshold
    )
    lines = run(code, ref, folder_of(local_models, ref))
    queries = lines[1]  # (1, queries, classes + 1)
    assert queries.startswith("torch.Size([1, ") and f"[1, {result.proposals}, " in queries
    shown = sorted(line.split(" ")[0] for line in lines[2:])
    assert shown == sorted(d.label.split(" ")[0] for d in result.above(threshold))


def test_depth_steps_print_the_map_before_and_after_resizing(local_models):
    ref = ModelRef("depth-anything/Depth-Anything-V2-Small-hf", "depth-estimation")
    image = sample_photo("coffee")
    result = estimate_depth(ModelCache(10**9).get(ref), image.image)
    lines = run(
        steps_code(ref, image, result.run.auto_class, TASKS[ref.task].steps),
        ref,
        folder_of(local_models, ref),
    )
    height, width = result.input_shape  # Depth Anything's head answers at its input's size
    assert lines[1].startswith(f"torch.Size([1, {height}, {width}])")
    assert lines[2] == f"torch.Size([{image.image.height}, {image.image.width}])"


def test_segmentation_steps_name_the_page_s_classes(local_models):
    ref = ModelRef("nvidia/segformer-b0-finetuned-ade-512-512", "image-segmentation")
    image = sample_photo("coffee")
    result = segment(ModelCache(10**9).get(ref), image.image, "semantic")
    assert result.run.auto_class == "AutoModelForSemanticSegmentation"
    code = steps_code(ref, image, result.run.auto_class, TASKS[ref.task].steps, subtask="semantic")
    lines = run(code, ref, folder_of(local_models, ref))
    assert lines[0] == f"torch.Size([1, 3, {result.input_shape[0]}, {result.input_shape[1]}])"
    assert {line.rsplit(" ", 1)[0] for line in lines[1:]} == {s.label for s in result.segments}


def test_the_lesson_s_gradio_pictionary_runs_and_predicts_as_the_page(local_models, monkeypatch):
    """The whole script, run with a stand-in for gradio (not installed here) that records the
    interface: `predict` answers what the dogs-and-cats tab shows."""
    import sys
    import types

    from core.models.registry import DOGS_AND_CATS
    from core.tasks.classification import classify
    from core.tasks.code_snippets import gradio_pictionary

    built = {}
    gradio = types.ModuleType("gradio")
    gradio.Image = lambda **options: ("Image", options)
    gradio.Label = lambda **options: ("Label", options)

    class Interface:
        def __init__(self, **options):
            built.update(options)

        def launch(self):
            built["launched"] = True

    gradio.Interface = Interface
    monkeypatch.setitem(sys.modules, "gradio", gradio)
    ref = ModelRef(DOGS_AND_CATS, "image-classification")
    code = gradio_pictionary(DOGS_AND_CATS, "es")
    assert "# abre la aplicación en http://127.0.0.1:7860" in code
    run(code, ref, folder_of(local_models, ref))
    assert built["launched"] and built["outputs"] == ("Label", {"num_top_classes": 2})
    photo = sample_photo("chelsea").image
    expected = classify(ModelCache(10**9).get(ref), photo)
    answered = built["fn"](photo)
    assert answered == pytest.approx({p.label: p.score for p in expected.predictions}, rel=1e-5)
