"""Every page with the network gone (no Hub, no Quick, Draw! bucket, no local models): it opens,
says in the student's language what needs a download, and never shows a traceback."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.i18n import t
from tests.conftest import ROOT

PAGES = ["Home.py", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))]


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
    at = AppTest.from_file(str(ROOT / page), default_timeout=120)
    at.context = {"locale": f"{lang}-XX"}
    at.run()
    assert not at.exception, f"{page}: {at.exception}"
    assert at.title, page
    no_connection = {"en": "there is no connection", "es": "no hay conexión"}[lang]
    for error in at.error:  # what could not be fetched is said, in the student's language
        assert no_connection in error.value, (page, error.value)


def test_offline_pages_name_the_fix_and_a_new_try_works(offline, tiny_models_dir, monkeypatch):
    at = AppTest.from_file(str(ROOT / "pages" / "1_Image_Classification.py"), default_timeout=60)
    at.context = {"locale": "es-ES"}
    at.run()
    assert [e.value for e in at.error] == [
        t("es", "models.error.offline", model="google/vit\\-base\\-patch16\\-224", task="")
    ]
    assert "python -m core.prefetch" in at.error[0].value
    assert not at.get("plotly_chart")
    retry = [b for b in at.button if b.label == t("es", "app.retry")]
    monkeypatch.setenv("VTL_LOCAL_MODELS", str(tiny_models_dir))  # the model is reachable again
    retry[0].click().run()
    assert not at.exception and not at.error and at.get("plotly_chart")
