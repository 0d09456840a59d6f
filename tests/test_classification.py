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
