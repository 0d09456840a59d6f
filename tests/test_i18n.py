"""Both catalogues say everything, with the same placeholders; every error reason has its
message."""

from __future__ import annotations

import string

import pytest

from core.i18n import LANGUAGES, catalogue, language_from_locale, t


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_catalogues_have_the_same_keys_and_placeholders():
    english, spanish = catalogue("en"), catalogue("es")
    assert set(english) == set(spanish)
    for key in english:
        assert placeholders(english[key]) == placeholders(spanish[key]), key
        assert english[key].strip() and spanish[key].strip(), key


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


@pytest.mark.parametrize(
    ("lang", "value", "decimals", "written"),
    [
        ("es", 0.8333, 2, "0,83"),
        ("en", 0.8333, 2, "0.83"),
        ("es", 1380, None, "1380"),  # Spanish groups thousands from five digits on
        ("es", 123202, None, "123\u00a0202"),  # a no-break space, as the RAE writes it
        ("en", 123202, None, "123,202"),
        ("es", 1.25, None, "1,25"),
    ],
)
def test_numbers_are_written_the_student_s_way(lang, value, decimals, written):
    from core.i18n import number

    assert number(lang, value, decimals) == written


def test_percentages_and_numbers_inside_texts_follow_the_language():
    from core.i18n import percent

    assert percent("es", 0.125, 1) == "12,5\u00a0%" and percent("en", 0.125, 1) == "12.5%"
    assert t("es", "task_page.seconds", seconds=1.234, device="cpu") == "1,23 s en cpu"
    assert t("en", "task_page.seconds", seconds=1.234, device="cpu") == "1.23 s on cpu"
    intro = t("es", "pictionary.game_intro", rounds=6, seconds=1.5)  # "{seconds:g}"
    assert "1,5 segundos" in intro and "1.5" not in intro


@pytest.mark.parametrize(
    ("lang", "count", "written"),
    [("es", 1, "1 objeto"), ("es", 3, "3 objetos"), ("en", 1, "1 object"), ("en", 0, "0 objects")],
)
def test_counts_take_the_plural_form_of_their_language(lang, count, written):
    from core.i18n import tn

    assert tn(lang, "detection.found", count, threshold=0.5).startswith(written + " ")


def test_every_plural_table_has_the_forms_its_language_needs():
    from babel import Locale

    for lang in LANGUAGES:
        tables = {key.rsplit(".", 1)[0] for key in catalogue(lang) if key.endswith(".other")}
        assert tables  # there are counted texts
        for table in tables:
            forms = {
                key.rsplit(".", 1)[1] for key in catalogue(lang) if key.startswith(table + ".")
            }
            assert "one" in forms and "other" in forms, (lang, table)
            assert forms <= set(Locale.parse(lang).plural_form.tags) | {"other"}, (lang, table)
