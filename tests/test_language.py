"""Spanish all the way through, English all the way through: every page, opened in one language
and driven to show its results, shows no word that the catalogue of that language (or a model's
own label, or a proper name) does not account for, and writes its decimals that language's way.

The check reads the catalogues (tests/support/visible_text.py), not a list of foreign words: a
word left in English on a Spanish page fails it whatever the word is. The real browser, which
also sees the sidebar's navigation, runs the same check in tests/test_browser.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.i18n import t
from core.models.registry import TASKS
from core.quickdraw.formats import word_in
from tests.support.app import open_page, until_trained
from tests.support.drawings import as_canvas, raw_drawings
from tests.support.environment import SHARED, need_shared
from tests.support.range_server import RangeServer, bucket_from
from tests.support.visible_text import foreign_words, visible_texts, vocabulary, wrong_decimals

LOCALES = {"es": "es-ES", "en": "en-US"}
TASK_PAGES = [Path(task.page).stem for task in TASKS.values()]  # the registry's, every one


def assert_all_in(at, lang: str) -> None:
    assert not at.exception, at.exception
    assert not foreign_words(at, lang), foreign_words(at, lang)
    assert not wrong_decimals(at, lang)


@pytest.fixture(scope="module")
def bucket_url(tmp_path_factory):
    need_shared()
    root = bucket_from(
        SHARED / "data" / "quickdraw",
        tmp_path_factory.mktemp("bucket"),
        ("raw", "simplified", "numpy_bitmap"),
    )
    with RangeServer(root) as server:
        yield server.url


@pytest.fixture
def quickdraw(bucket_url, tmp_path, monkeypatch, local_models):
    monkeypatch.setenv("VTL_QUICKDRAW_URL", bucket_url)
    monkeypatch.setenv("VTL_QUICKDRAW_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("VTL_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("VTL_ROUND_SECONDS", "0.3")


def test_the_check_finds_a_word_of_the_other_language():
    """The check itself: English prose is foreign to Spanish, and Spanish to English."""
    assert "the" not in vocabulary("es") and "recognized" not in vocabulary("es")
    assert "reconocido" not in vocabulary("en") and "los" not in vocabulary("en")
    assert "modelo" in vocabulary("es") and "model" in vocabulary("en")


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("page", ["Home", *TASK_PAGES, "Diagnostics"])
def test_pages_speak_one_language(local_models, page, lang):
    if page == "Diagnostics":  # with models loaded, so that its tables have rows
        open_page("Image_Classification", LOCALES[lang], timeout=120)
    at = open_page(page, LOCALES[lang], timeout=120)
    assert list(visible_texts(at))  # the page showed something to read
    assert_all_in(at, lang)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_explorer_speaks_one_language(quickdraw, lang):
    at = open_page("Quick_Draw_Explorer", LOCALES[lang], timeout=120)
    at.multiselect(key="qd_compare").set_value(["dog"]).run()
    assert_all_in(at, lang)
    if lang == "es":  # categories in Spanish in the legends and the table
        texts = list(visible_texts(at))
        assert word_in("es", "dog") in texts and "dog" not in texts


@pytest.mark.parametrize("lang", ["es", "en"])
def test_training_speaks_one_language(quickdraw, lang):
    at = open_page("Train_Your_Own", LOCALES[lang], timeout=300)
    at.slider(key="tr_per_class").set_value(100).run()
    at.slider(key="tr_epochs").set_value(1).run()
    until_trained(at.button(key="tr_start").click().run())
    assert at.metric  # the training finished and shows its accuracy
    assert_all_in(at, lang)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_pictionary_speaks_one_language(quickdraw, lang):
    at = open_page("Pictionary", LOCALES[lang], timeout=120)
    at.session_state["pic_canvas"] = {
        "drawing": {"raw": as_canvas(raw_drawings("bicycle")[3]), "data": None}
    }
    at.run()
    assert_all_in(at, lang)
    at.session_state["pic_tabs"] = t(lang, "pictionary.tab_dc")
    at.run()
    assert at.dataframe  # the dogs-and-cats answer is shown
    assert_all_in(at, lang)


def test_spanish_numbers_use_a_decimal_comma(local_models):
    at = open_page("Object_Detection", "es-ES", timeout=120)
    table = next(frame.value for frame in at.dataframe if "mAP" in frame.value.columns)
    assert list(table["mAP"]) == ["0,833", "0,417"]
    assert {m.label: m.value for m in at.metric}["IoU"] == "0,200"
    table = next(frame.value for frame in at.dataframe if "Resultado" in frame.value.columns)
    assert set(table["Clase"]) == {"coche", "persona"}  # the scene is ours: translated


def test_the_depth_comparison_speaks_spanish(local_models):
    at = open_page("Depth_Estimation", "es-ES", timeout=120)
    at.toggle(key="dep_truth").set_value(True).run()
    assert t("es", "depth.delta1") in [m.label for m in at.metric]  # "δ < 1,25"
    assert_all_in(at, "es")
