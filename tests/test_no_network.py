"""Every page with the network gone (no Hub, no Quick, Draw! bucket, no local models): it opens,
says in the student's language what needs a download, and never shows a traceback."""

from __future__ import annotations

import pytest

from core.i18n import t
from tests.support.app import open_page
from tests.support.environment import ROOT

PAGES = ["Home", *sorted(path.stem for path in (ROOT / "app_pages").glob("*.py"))]


@pytest.fixture
def offline(monkeypatch, tmp_path):
    import streamlit as st

    monkeypatch.delenv("VTL_LOCAL_MODELS", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("VTL_QUICKDRAW_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("VTL_QUICKDRAW_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("VTL_MODELS_DIR", str(tmp_path / "models"))
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_page_opens_without_network(offline, page, lang):
    at = open_page(page, f"{lang}-XX", timeout=120)
    assert not at.exception, f"{page}: {at.exception}"
    assert at.title, page
    no_connection = {"en": "there is no connection", "es": "no hay conexión"}[lang]
    for error in at.error:  # what could not be fetched is said, in the student's language
        assert no_connection in error.value, (page, error.value)


def test_offline_pages_name_the_fix_and_a_new_try_works(offline, tiny_models_dir, monkeypatch):
    at = open_page("Image_Classification", run=False)
    at.context = {"locale": "es-ES"}
    at.run()
    assert [e.value for e in at.error] == [
        t("es", "models.error.offline", model="google/vit\\-base\\-patch16\\-224", task="")
    ]
    assert "python -m core.models.prefetch" in at.error[0].value
    assert not at.get("plotly_chart")
    retry = [b for b in at.button if b.label == t("es", "app.retry")]
    monkeypatch.setenv("VTL_LOCAL_MODELS", str(tiny_models_dir))  # the model is reachable again
    retry[0].click().run()
    assert not at.exception and not at.error and at.get("plotly_chart")


def test_offline_the_explorer_opens_a_local_file(offline):
    from tests.support.environment import SHARED, need_shared

    need_shared()
    data = (SHARED / "data" / "quickdraw" / "simplified" / "cat.ndjson").read_bytes()
    at = open_page("Quick_Draw_Explorer", run=False)
    at.context = {"locale": "es-ES"}
    at.run()
    at.radio(key="qd_source").set_value("local").run()
    at.file_uploader(key="qd_upload").set_value(("cat.ndjson", data, "application/x-ndjson"))
    at.run()
    assert not at.exception and not at.error
    assert at.get("plotly_chart")  # the grid of the file's drawings


def test_offline_pictionary_uses_the_students_own_model(offline, tmp_path):
    from core.quickdraw.saved_models import save_model
    from core.quickdraw.training import TrainingConfig, load_bitmaps, local_fetch, train
    from tests.support.drawings import as_canvas, raw_drawings
    from tests.support.environment import SHARED, need_shared
    from tests.support.plotly import plotly_specs

    need_shared()
    words = ("apple", "fish")
    images, labels = load_bitmaps(words, 200, local_fetch(SHARED / "data/quickdraw/numpy_bitmap"))
    save_model(train(TrainingConfig(words, 200, 1), images, labels), tmp_path / "models", "mine")
    at = open_page("Pictionary", run=False)
    at.context = {"locale": "en-US"}
    at.run()
    at.selectbox(key="pic_model").set_value("trained/mine").run()
    at.session_state["pic_canvas"] = {
        "drawing": {"raw": as_canvas(raw_drawings("fish")[0]), "data": None}
    }
    at.run()
    assert not at.exception
    assert sorted(plotly_specs(at)[0]["data"][0]["y"]) == ["apple", "fish"]
