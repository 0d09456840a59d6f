"""The registry is complete data, and both catalogues say everything, with the same placeholders."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from core.i18n import LANGUAGES, catalogue, language_from_locale, t
from core.models.registry import DEFAULT_MODELS, MODELS, TASKS, models_for
from core.tasks.image_input import SAMPLE_PHOTOS

ROOT = Path(__file__).resolve().parents[1]


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_catalogues_have_the_same_keys_and_placeholders():
    english, spanish = catalogue("en"), catalogue("es")
    assert set(english) == set(spanish)
    for key in english:
        assert placeholders(english[key]) == placeholders(spanish[key]), key
        assert english[key].strip() and spanish[key].strip(), key


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_registry_entry_has_its_texts(lang):
    for task in TASKS:
        for field in ("name", "input", "output", "example"):
            assert t(lang, f"tasks.{task}.{field}")
    for model in MODELS:
        assert t(lang, f"model_note.{model}")
    for sample in SAMPLE_PHOTOS:
        assert t(lang, f"samples.{sample.id}")


def test_languages_differ_where_they_should():
    assert t("es", "tasks.image-classification.name") != t("en", "tasks.image-classification.name")
    assert "Clasificación" in t("es", "tasks.image-classification.name")


@pytest.mark.parametrize(
    ("locale", "lang"),
    [
        ("es-ES", "es"),
        ("es", "es"),
        ("ES-mx", "es"),
        ("en-US", "en"),
        ("fr-FR", "en"),
        (None, "en"),
    ],
)
def test_language_from_browser_locale(locale, lang):
    assert language_from_locale(locale) == lang


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
        assert model.architecture and model.licence and model.training_data
        assert model.params_millions > 0 and model.download_mb > 0
        assert model.card_url == f"https://huggingface.co/{model.id}"


def test_task_pages_exist():
    for task in TASKS.values():
        if task.page:
            assert (ROOT / task.page).is_file()


def test_unknown_task_is_a_value_error():
    with pytest.raises(ValueError):
        models_for("text-generation")


def test_every_error_reason_has_a_message_in_both_catalogues_and_no_message_is_orphaned():
    import core.models.model_ref  # noqa: F401  (each module declares its family)
    import core.quickdraw.source  # noqa: F401
    import core.tasks.image_input  # noqa: F401
    from core.errors import error_families

    families = error_families()
    assert {family.__name__ for family in families} == {
        "ModelError",
        "ImageInputError",
        "QuickDrawError",
    }
    for lang in LANGUAGES:
        texts = catalogue(lang)
        for family in families:
            reasons = {f"{family.messages}.{reason}" for reason in family.Reason}
            written = {key for key in texts if key.startswith(family.messages + ".")}
            assert reasons == written, (lang, family.__name__, reasons ^ written)


def test_an_error_knows_its_reason_and_refuses_one_its_family_lacks():
    from core.models.model_ref import ModelError, ModelReason
    from core.tasks.image_input import ImageInputError

    err = ModelError("a/b", "offline", "no route")
    assert err.reason is ModelReason.OFFLINE and err.reason == "offline"
    assert err.message_key == "models.error.offline" and "a/b" in str(err)
    assert ImageInputError("corrupt").message_key == "input.error.corrupt"
    with pytest.raises(ValueError):
        ImageInputError("unsupported_format")  # nothing raises it any more: no such reason
