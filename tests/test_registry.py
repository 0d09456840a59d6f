"""The registry is complete data, and both catalogues say everything, with the same placeholders."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.i18n import LANGUAGES, catalogue, t
from core.models.registry import DEFAULT_MODELS, MODELS, TASKS, models_for
from core.tasks.image_input import SAMPLE_PHOTOS

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_registry_entry_has_its_texts(lang):
    for task in TASKS:
        for field in ("name", "input", "output", "example"):
            assert t(lang, f"tasks.{task}.{field}")
    for model in MODELS:
        assert t(lang, f"model_note.{model}")
    for sample in SAMPLE_PHOTOS:
        assert t(lang, f"samples.{sample.id}")


def test_classification_models_are_the_courses():
    ids = [m.id for m in models_for("image-classification")]
    assert ids[0] == DEFAULT_MODELS["image-classification"] == "google/vit-base-patch16-224"
    for course_model in (
        "microsoft/resnet-50",
        "facebook/deit-base-patch16-224",
        "omarques/autotrain-dogs-and-cats-1527055142",
    ):
        assert course_model in ids
    assert any(m.download_mb < 50 for m in models_for("image-classification"))  # a fast one


def test_every_model_entry_is_complete():
    for model in MODELS.values():
        assert model.task in TASKS
        for lang in LANGUAGES:  # the models tables' facts, in each language
            for fact in ("architecture", "training_data", "licence", "note"):
                key = (
                    f"model_note.{model.id}" if fact == "note" else f"model_facts.{model.id}.{fact}"
                )
                assert t(lang, key).strip(), (lang, key)
        assert model.params_millions > 0 and model.download_mb > 0
        assert model.card_url == f"https://huggingface.co/{model.id}"


def test_the_facts_catalogues_name_only_registry_models():
    for lang in LANGUAGES:
        described = {key.split(".")[1] for key in catalogue(lang) if key.startswith("model_facts.")}
        assert described == set(MODELS)


def test_task_pages_exist():
    for task in TASKS.values():
        if task.page:
            assert (ROOT / task.page).is_file()


def test_unknown_task_is_a_value_error():
    with pytest.raises(ValueError):
        models_for("text-generation")
