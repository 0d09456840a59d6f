"""The zero-shot page as a student sees it, through AppTest, in both languages: the classes and
the prompt they write, the bars (the pipeline's own scores), the scripts, the step by step."""

from __future__ import annotations

import pytest

from core.i18n import t
from core.tasks.image_input import sample_photo
from tests.support.app import open_page
from tests.support.plotly import plotly_specs

PAGE = "Zero_Shot_Classification"
TASK = "zero-shot-image-classification"
CLIP = "openai/clip-vit-base-patch32"
SIGLIP = "google/siglip-base-patch16-256-multilingual"


def shown_bars(at) -> list[tuple[str, float]]:
    (chart,) = plotly_specs(at)
    return list(zip(chart["data"][0]["y"], chart["data"][0]["x"]))


def pipeline_bars(root, model_id: str, sample: str, classes: list[str], template: str):
    """(label, percent) as the bars show them, from transformers' pipeline, outside the app."""
    from transformers import pipeline

    classify = pipeline(TASK, model=str(root / model_id.replace("/", "--")))
    said = classify(
        sample_photo(sample).image, candidate_labels=classes, hypothesis_template=template
    )
    return [(p["label"], round(p["score"] * 100, 2)) for p in said]


def test_an_english_student_writes_classes_and_gets_clip_s_scores(local_models):
    at = open_page(PAGE, "en-US", timeout=120)
    assert not at.exception and not at.error
    assert at.title[0].value == "✍️ " + t("en", f"tasks.{TASK}.name")
    assert at.selectbox(key="zs_model").value == CLIP  # CLIP reads English
    default = ["dog", "cat", "rocket", "coffee cup"]
    assert at.text_area(key="zs_classes").value == ", ".join(default)
    assert at.text_input(key="zs_template").value == "a photo of a {}."
    assert shown_bars(at) == pipeline_bars(
        local_models, CLIP, "chelsea", default, "a photo of a {}."
    )
    at.text_area(key="zs_classes").set_value("rocket, astronaut,  , rocket").run()
    at.text_input(key="zs_template").set_value("a drawing of a {}").run()
    at.radio(key="zs_sample").set_value("rocket").run()
    expected = pipeline_bars(
        local_models, CLIP, "rocket", ["rocket", "astronaut"], "a drawing of a {}"
    )
    assert shown_bars(at) == expected
    assert sum(label for _, label in expected) == pytest.approx(100, abs=0.05)  # a softmax
    assert t("en", "zero_shot.softmax_note") in [c.value for c in at.caption]
    code = at.code[0].value
    assert (
        'pipeline("zero-shot-image-classification", model="openai/clip-vit-base-patch32")' in code
    )
    assert 'classes = ["rocket", "astronaut"]' in code and "data.rocket()" in code
    assert "AutoModelForZeroShotImageClassification" in at.code[1].value
    steps = next(f.value for f in at.dataframe if "Cosine similarity" in f.value.columns)
    assert list(steps["Prompt (what the text encoder reads)"]) == [
        "a drawing of a rocket",
        "a drawing of a astronaut",
    ]
    assert not at.exception and not at.error


def test_a_spanish_student_starts_with_the_multilingual_model(local_models):
    at = open_page(PAGE, "es-ES", run=False)
    at.run(timeout=120)
    assert not at.exception
    assert at.selectbox(key="zs_model").value == SIGLIP  # reads Spanish
    assert at.text_area(key="zs_classes").value == "perro, gato, cohete, taza de café"
    # 1.5 GB: like every big model, it runs once the student has said yes
    assert not plotly_specs(at)
    assert t("es", "models.waiting") in [i.value for i in at.info]
    at.checkbox(key=f"zs_heavy_{SIGLIP}").check().run(timeout=120)
    assert not at.exception and not at.error
    classes = ["perro", "gato", "cohete", "taza de café"]
    assert shown_bars(at) == pipeline_bars(
        local_models, SIGLIP, "chelsea", classes, "una foto de {}."
    )
    assert t("es", "zero_shot.sigmoid_note") in [c.value for c in at.caption]
    texts = " ".join(m.value for m in at.markdown)
    assert "Sigmoide" in texts and "Cosine" not in texts  # the step by step, in Spanish


def test_no_class_written_is_said_and_nothing_runs(local_models):
    at = open_page(PAGE, "es-ES", run=False)
    at.run(timeout=120)
    at.selectbox(key="zs_model").set_value(CLIP).run(timeout=120)
    at.text_area(key="zs_classes").set_value(" , ").run()
    assert not at.exception and not at.error
    assert t("es", "zero_shot.no_classes") in [w.value for w in at.warning]
    assert not plotly_specs(at)
    at.text_area(key="zs_classes").set_value("gato").run()
    assert t("es", "zero_shot.one_class") in [i.value for i in at.info]
    assert shown_bars(at) == [("gato", 100.0)]  # CLIP's softmax over one class
