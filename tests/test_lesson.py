"""The teaching around the results: questions on every page in both languages, what a model
cannot do (shown with a run), the training data, and links to the Hub."""

from __future__ import annotations

import pytest

from core.i18n import LANGUAGES, percent, t
from core.models.loader import ModelCache
from core.models.model_ref import ModelRef
from core.models.registry import DOGS_AND_CATS
from core.tasks.classification import classify
from core.tasks.image_input import sample_photo
from core.ui.lesson_views import questions
from tests.support.app import open_page
from tests.support.drawings import as_canvas, raw_drawings

# Each page and the catalogue section of its questions.
PAGES = {
    "Home": "home",
    "Image_Classification": "classification",
    "Object_Detection": "detection",
    "Depth_Estimation": "depth",
    "Image_Segmentation": "segmentation",
    "Zero_Shot_Classification": "zero_shot",
    "Quick_Draw_Explorer": "quickdraw",
    "Train_Your_Own": "train",
    "Pictionary": "pictionary",
    "Diagnostics": "diagnostics",
}


@pytest.mark.parametrize("section", PAGES.values())
def test_every_page_has_two_to_four_questions_in_both_languages(section):
    asked = {lang: questions(lang, section) for lang in LANGUAGES}
    assert 2 <= len(asked["es"]) <= 4 and len(asked["es"]) == len(asked["en"])
    for (question_es, answer_es), (question_en, answer_en) in zip(asked["es"], asked["en"]):
        assert question_es != question_en and answer_es != answer_en  # translated, not copied


@pytest.mark.parametrize("page", ["Home", "Object_Detection", "Diagnostics"])
def test_the_questions_are_on_the_page_with_their_answers_behind_a_click(local_models, page):
    at = open_page(page, "es-ES", timeout=120)
    assert t("es", "lesson.questions_title") in [h.value for h in at.header]
    shown = " ".join(m.value for m in at.markdown)
    for question, answer in questions("es", PAGES[page]):
        assert question in shown and answer in shown
    reveal = [e for e in at.expander if e.label == t("es", "lesson.reveal")]
    assert len(reveal) == len(questions("es", PAGES[page]))


def test_the_dogs_and_cats_model_shown_the_rocket_still_answers_dog_or_cat(local_models):
    at = open_page("Image_Classification", "es-ES", timeout=120)
    at.toggle(key="cls_closed_set").set_value(True).run()
    assert not at.exception
    model = ModelCache(10**9).get(ModelRef(DOGS_AND_CATS, "image-classification"))
    best = classify(model, sample_photo("rocket").image).predictions[0]
    expected = t(
        "es",
        "lesson.closed_set_answer",
        label=t("es", f"pictionary.label_{best.label}"),
        score=percent("es", best.score, 1),
    )
    assert expected in [m.value for m in at.markdown]


def test_a_task_page_links_the_hub_its_tasks_page_and_the_drawing_pages(local_models):
    at = open_page("Image_Classification", "en-US", timeout=120)
    urls = [button.proto.url for button in at.get("link_button")]
    assert "https://huggingface.co/tasks/image-classification" in urls
    assert "https://huggingface.co/models?pipeline_tag=image-classification" in urls
    assert "https://huggingface.co/docs/transformers/tasks/image_classification" in urls
    imagenet = "(https://huggingface.co/datasets/ILSVRC/imagenet-1k)"
    assert any(imagenet in m.value for m in at.markdown)
    pages = [link.proto.page for link in at.get("page_link")]
    assert {"Quick_Draw_Explorer", "Pictionary", "Train_Your_Own"} <= set(pages)


def test_a_drawing_shown_to_the_photo_classifier(local_models, tmp_path, monkeypatch):
    monkeypatch.setenv("VTL_MODELS_DIR", str(tmp_path))
    at = open_page("Pictionary", "es-ES", run=False)
    at.session_state["pic_canvas"] = {
        "drawing": {"raw": as_canvas(raw_drawings("bicycle")[3]), "data": None}
    }
    at.run()
    at.toggle(key="pic_photo_model").set_value(True).run()
    assert not at.exception and not at.error
    note = t("es", "pictionary.photo_model_note", model="google/vit-base-patch16-224")
    assert note in [c.value for c in at.caption]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_misplaced_car_answer_gives_the_scene_s_own_numbers(lang):
    """`questions.segmentation.1`, recomputed with the metric functions of the page's scene."""
    from dataclasses import replace

    from core.i18n import number
    from core.tasks.segmentation_metrics import (
        CLASSES,
        EXAMPLE_PREDICTION,
        TRUTH_CHOICE,
        WIDTH,
        scene,
        scores,
    )

    truth = scene(TRUTH_CHOICE)
    away = WIDTH - 8  # the car slider's last place: no pixel of the true car left
    example, moved = (scores(scene(c), truth) for c in (EXAMPLE_PREDICTION, replace(
        EXAMPLE_PREDICTION, car_starts=away)))  # fmt: skip
    perfect_moved = scores(scene(replace(TRUTH_CHOICE, car_starts=away)), truth)
    car = int((truth == CLASSES.index("car")).sum())
    cost = int((scene(replace(TRUTH_CHOICE, car_starts=away)) != truth).sum())
    assert (car, truth.size, cost, moved.ious["car"]) == (32, 384, 64, 0.0)
    answer = t(lang, "questions.segmentation.1.answer").replace("\u00a0", " ")
    said = [
        number(lang, car), number(lang, truth.size), number(lang, cost),
        percent(lang, example.pixel_accuracy, 1), percent(lang, moved.pixel_accuracy, 1),
        percent(lang, perfect_moved.pixel_accuracy, 1),
        number(lang, example.mean_iou, 3), number(lang, moved.mean_iou, 3),
    ]  # fmt: skip
    for value in said:
        assert value.replace("\u00a0", " ") in answer, value
    assert moved.mean_iou / example.mean_iou < moved.pixel_accuracy / example.pixel_accuracy


@pytest.mark.parametrize("lang", LANGUAGES)
def test_imagenet_s_dog_breeds_are_counted_from_its_labels(lang):
    """ImageNet-1k's dogs are the classes 151 (Chihuahua) to 268 (Mexican hairless)."""
    import json

    from tests.support.models import replica_folder

    config = json.loads((replica_folder("google/vit-base-patch16-224") / "config.json").read_text())
    labels = config["id2label"]
    assert labels["151"] == "Chihuahua" and labels["268"] == "Mexican hairless"
    dogs = 268 - 151 + 1
    assert f" {dogs} " in t(lang, "classification.datasets")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_training_question_names_the_chart_by_its_own_title(lang):
    assert t(lang, "train.runs_title") in t(lang, "questions.train.2.answer")


def test_the_depth_page_does_not_say_its_labels_stay_in_english(local_models):
    """Depth models answer with numbers: no class name to keep in English."""
    at = open_page("Depth_Estimation", "es-ES", timeout=120)
    captions = [c.value for c in at.caption]
    assert t("es", "lesson.labels_in_english") not in captions
    at = open_page("Object_Detection", "es-ES", timeout=120)
    assert t("es", "lesson.labels_in_english") in [c.value for c in at.caption]
