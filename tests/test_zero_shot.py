"""Zero-shot image classification through the app's loader, against transformers' own pipeline
and against the comparison worked out by hand; its two scripts run as a student would."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.models.loader import ModelCache
from core.models.model_ref import ModelRef
from core.models.registry import TASKS, default_model, models_for
from core.tasks.code_snippets import steps_code, task_code
from core.tasks.image_input import sample_photo
from core.tasks.zero_shot import (
    classify_zero_shot,
    pipeline_template,
    probabilities,
    prompt,
    written_classes,
)
from tests.test_code_snippets import run

TASK = "zero-shot-image-classification"
CLIP = ModelRef("openai/clip-vit-base-patch32", TASK)
SIGLIP = ModelRef("google/siglip-base-patch16-256-multilingual", TASK)
CLASSES = ("perro", "gato", "cohete", "taza de café")
TEMPLATE = "una foto de {}."


def _folder(root, ref: ModelRef):
    return root / ref.id.replace("/", "--")


@pytest.mark.parametrize("ref", [CLIP, SIGLIP], ids=["clip", "siglip"])
def test_the_scores_are_transformers_pipeline_s(local_models, ref):
    from transformers import pipeline

    image = sample_photo("rocket").image
    result = classify_zero_shot(ModelCache(10**9).get(ref), image, CLASSES, TEMPLATE)
    expected = pipeline(TASK, model=str(_folder(local_models, ref)))(
        image, candidate_labels=list(CLASSES), hypothesis_template=TEMPLATE
    )
    assert [p.label for p in result.predictions] == [e["label"] for e in expected]
    assert [p.score for p in result.predictions] == pytest.approx(
        [e["score"] for e in expected], abs=1e-6
    )
    assert result.classes == CLASSES and result.template == TEMPLATE


@pytest.mark.parametrize("ref", [CLIP, SIGLIP], ids=["clip", "siglip"])
def test_the_step_by_step_is_the_comparison_worked_out_by_hand(local_models, ref):
    """Embeddings computed here from the model's own encoders, then the cosine, the scale (and
    SigLIP's bias) and the activation by hand: the steps' numbers, and the pipeline's scores."""
    import torch
    from transformers import AutoModel, AutoProcessor

    folder = _folder(local_models, ref)
    image = sample_photo("coffee").image
    result = classify_zero_shot(ModelCache(10**9).get(ref), image, CLASSES, TEMPLATE)
    steps = result.steps
    processor, model = AutoProcessor.from_pretrained(folder), AutoModel.from_pretrained(folder)
    sigmoid = ref is SIGLIP
    padding = {"padding": "max_length", "max_length": 64} if sigmoid else {"padding": True}
    texts = [TEMPLATE.format(name) for name in CLASSES]
    assert steps.prompts == tuple(texts)
    text = processor.tokenizer(texts, return_tensors="pt", **padding)
    pixels = processor.image_processor(images=[image], return_tensors="pt")["pixel_values"]
    with torch.no_grad():
        seen = model.get_image_features(pixel_values=pixels)
        read = model.get_text_features(**text)
    seen = getattr(seen, "pooler_output", seen)[0].numpy().astype(np.float64)
    read = getattr(read, "pooler_output", read).numpy().astype(np.float64)
    cosine = read @ seen / np.linalg.norm(read, axis=1) / np.linalg.norm(seen)
    assert steps.similarities == pytest.approx(tuple(cosine), abs=1e-5)
    scale = math.exp(float(model.logit_scale))
    bias = float(model.logit_bias) if sigmoid else 0.0
    assert (steps.logit_scale, steps.logit_bias) == pytest.approx((scale, bias))
    logits = scale * cosine + bias
    assert steps.logits == pytest.approx(tuple(logits), abs=1e-4)
    if sigmoid:
        by_hand = 1 / (1 + np.exp(-logits))
    else:
        by_hand = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    assert steps.activation == ("sigmoid" if sigmoid else "softmax")
    assert probabilities(steps.logits, steps.activation) == pytest.approx(tuple(by_hand))
    scores = {p.label: p.score for p in result.predictions}
    assert [scores[name] for name in CLASSES] == pytest.approx(tuple(by_hand), abs=1e-5)
    assert steps.embedding_size == seen.shape[0]
    assert steps.tokens == tuple(len(processor.tokenizer(x)["input_ids"]) for x in texts)


@pytest.mark.parametrize("ref", [CLIP, SIGLIP], ids=["clip", "siglip"])
def test_both_scripts_print_what_the_page_shows(local_models, ref):
    image = sample_photo("rocket")
    result = classify_zero_shot(ModelCache(10**9).get(ref), image.image, CLASSES, TEMPLATE)
    shown = [f"{p.label}: {p.score:.1%}" for p in result.predictions]
    spec = TASKS[TASK]
    folder = _folder(local_models, ref)
    assert run(task_code(ref, image, spec.snippet(CLASSES, TEMPLATE), "es"), ref, folder) == shown
    assert result.run.auto_class == "AutoModelForZeroShotImageClassification"
    named = dict(zip(spec.steps.options, (CLASSES, TEMPLATE)))
    code = steps_code(ref, image, result.run.auto_class, spec.steps, "es", **named)
    assert "# 1. cada clase escrita en la plantilla" in code  # comments in the student's language
    printed = run(code, ref, folder)
    assert printed[0].startswith("torch.Size([1, 3, ")  # the picture, then the prompts' tokens
    assert printed[1:] == shown


def test_a_template_with_braces_of_its_own_reads_them_as_text(local_models):
    """Only the first {} is the class's place: "{x}" in the prompt stays text, in the answer
    and in the script."""
    image = sample_photo("coffee")
    template = "{} {x}"
    result = classify_zero_shot(ModelCache(10**9).get(CLIP), image.image, ("a", "b"), template)
    assert result.steps.prompts == ("a {x}", "b {x}")
    assert pipeline_template(template).format("a") == "a {x}" == prompt(template, "a")
    code = task_code(CLIP, image, TASKS[TASK].snippet(("a", "b"), template))
    assert run(code, CLIP, _folder(local_models, CLIP)) == [
        f"{p.label}: {p.score:.1%}" for p in result.predictions
    ]


def test_a_template_without_a_place_gets_the_class_at_its_end(local_models):
    image = sample_photo("coffee").image
    result = classify_zero_shot(ModelCache(10**9).get(CLIP), image, ("gato", "perro"), "un")
    assert result.template == "un {}" and result.steps.prompts == ("un gato", "un perro")
    with pytest.raises(ValueError):
        classify_zero_shot(ModelCache(10**9).get(CLIP), image, (), TEMPLATE)


def test_what_a_student_writes_becomes_the_classes():
    assert written_classes(" perro,gato ,, Perro\ncohete\n") == ("perro", "gato", "cohete")
    assert written_classes("a" * 100) == ("a" * 60,)
    assert len(written_classes(",".join(str(n) for n in range(30)))) == 12
    assert written_classes(" , \n") == ()


def test_each_language_starts_with_a_model_that_reads_it():
    assert default_model(TASK, "en") == CLIP.id
    assert default_model(TASK, "es") == SIGLIP.id
    assert models_for(TASK, lang="es")[0].id == SIGLIP.id
    assert models_for(TASK, lang="en")[0].id == CLIP.id
    assert (
        default_model("image-classification", "es") == TASKS["image-classification"].default_model
    )
