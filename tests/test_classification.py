"""Classification through the production loader, on tiny random models saved under Hub ids."""

from __future__ import annotations

import contextlib
import io

import pytest

from core.models.loader import ModelCache, build_pipeline, model_nbytes
from core.models.model_ref import ModelRef
from core.tasks.classification import TOP_K_MAX, classify
from core.tasks.code_snippets import classification_snippet, task_code
from core.tasks.image_input import read_image, sample_photo

CLS = "image-classification"
VIT = ModelRef("google/vit-base-patch16-224", CLS)
CATS = ModelRef("omarques/autotrain-dogs-and-cats-1527055142", CLS)


def test_loader_builds_from_the_seam_and_matches_a_direct_pipeline(local_models):
    from transformers import pipeline

    image = sample_photo("chelsea").image
    model = ModelCache(10**9).get(VIT)
    result = classify(model, image)
    direct = pipeline(CLS, model=str(local_models / "google--vit-base-patch16-224"))(
        image, top_k=TOP_K_MAX
    )
    assert [p.label for p in result.predictions] == [p["label"] for p in direct]
    assert [round(p.score, 6) for p in result.predictions] == [round(p["score"], 6) for p in direct]
    assert result.run.device == "cpu" and result.run.seconds > 0
    assert result.top(3) == result.predictions[:3]
    scores = [p.score for p in result.predictions]
    assert scores == sorted(scores, reverse=True)


def test_two_class_model_returns_both_classes(local_models):
    result = classify(ModelCache(10**9).get(CATS), sample_photo("chelsea").image)
    assert sorted(p.label for p in result.predictions) == ["cat", "dog"]
    assert sum(p.score for p in result.predictions) == pytest.approx(1.0, abs=1e-5)


def test_model_size_is_measured(local_models):
    pipe = build_pipeline(VIT)
    assert model_nbytes(pipe) == sum(p.numel() * 4 for p in pipe.model.parameters()) + sum(
        b.numel() * b.element_size() for b in pipe.model.buffers()
    )


def run_snippet(code: str, model_folder: str) -> str:
    """Run the page's snippet with the Hub id swapped for the local copy of the same model."""
    runnable = code.replace('"google/vit-base-patch16-224"', repr(model_folder))
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(runnable, "snippet", "exec"), {})
    return output.getvalue()


def test_snippet_reproduces_what_is_shown_for_a_sample(local_models):
    image = sample_photo("coffee")
    result = classify(ModelCache(10**9).get(VIT), image.image)
    printed = run_snippet(
        task_code(VIT, image, classification_snippet(4)),
        str(local_models / VIT.id.replace("/", "--")),
    )
    expected = "".join(f"{p.label}: {p.score:.1%}\n" for p in result.top(4))
    assert printed == expected


def test_snippet_reproduces_an_uploaded_large_jpeg(local_models, tmp_path, monkeypatch):
    big = sample_photo("astronaut").image.resize((2400, 2400))
    path = tmp_path / "my photo's.jpg"
    big.save(path, quality=90)
    image = read_image(path.read_bytes(), name=path.name)
    assert image.drafted
    result = classify(ModelCache(10**9).get(VIT), image.image)
    monkeypatch.chdir(tmp_path)
    printed = run_snippet(
        task_code(VIT, image, classification_snippet(5)),
        str(local_models / "google--vit-base-patch16-224"),
    )
    assert printed == "".join(f"{p.label}: {p.score:.1%}\n" for p in result.top(5))


def test_snippet_names_a_pinned_revision():
    code = task_code(
        ModelRef("x/y", CLS, "no_timm"), sample_photo("rocket"), classification_snippet(5)
    )
    assert 'pipeline("image-classification", model="x/y", revision="no_timm")' in code
    assert "data.rocket()" in code


def test_the_step_by_step_shows_what_the_processor_and_the_model_computed(local_models):
    """The steps' numbers are the model's own: recomputed here with AutoImageProcessor and
    AutoModelForImageClassification, outside the pipeline."""
    import math

    import numpy as np
    import torch
    from transformers import AutoImageProcessor, AutoModelForImageClassification

    image = sample_photo("coffee").image
    result = classify(ModelCache(10**9).get(VIT), image)
    folder = local_models / VIT.id.replace("/", "--")
    processor = AutoImageProcessor.from_pretrained(folder)
    model = AutoModelForImageClassification.from_pretrained(folder).eval()
    inputs = processor(images=image, return_tensors="pt")
    with torch.no_grad():
        logits = model(**inputs).logits[0]
    top = logits.topk(5)
    steps = result.steps
    assert [model.config.id2label[int(i)] for i in top.indices] == [p.label for p in result.top(5)]
    np.testing.assert_allclose(steps.logits[:5], top.values.numpy(), rtol=1e-4, atol=1e-5)
    assert steps.classes == logits.numel() and steps.activation == "softmax"
    assert math.isclose(steps.log_sum, float(torch.logsumexp(logits.double(), 0)), rel_tol=1e-5)
    assert math.isclose(result.predictions[0].score, math.exp(steps.logits[0] - steps.log_sum))
    # The picture shown is the tensor with its normalisation undone: normalising it again gives
    # the model's input back, to within the rounding to whole grey levels.
    pixels = inputs["pixel_values"][0].numpy()
    assert steps.model_input.shape == (pixels.shape[1], pixels.shape[2], 3)
    again = (steps.model_input.transpose(2, 0, 1) / 255 - np.array(steps.mean)[:, None, None]) / (
        np.array(steps.std)[:, None, None]
    )
    assert np.abs(again - pixels).max() <= 0.5 / 255 / min(steps.std) + 1e-6


def test_the_step_by_step_code_prints_what_the_page_shows(local_models):
    from core.models.registry import TASKS
    from core.tasks.code_snippets import steps_code

    image = sample_photo("coffee")
    result = classify(ModelCache(10**9).get(VIT), image.image)
    code = steps_code(VIT, image, result.run.auto_class, TASKS[VIT.task].steps, "es", top_k=3)
    assert "from transformers import AutoImageProcessor, AutoModelForImageClassification" in code
    assert "# 3. softmax: probabilidades que suman 1" in code  # comments in the student's language
    printed = run_snippet(code, str(local_models / VIT.id.replace("/", "--")))
    lines = printed.splitlines()[1:]  # after the tensor's shape
    assert lines == [f"{p.label} {p.score:.1%}" for p in result.top(3)]
