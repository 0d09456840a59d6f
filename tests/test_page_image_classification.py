"""The classification page as a student sees it, through AppTest: widgets set by key,
assertions on the labels, scores and texts rendered, in both languages."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from core.i18n import t
from core.models.registry import models_for
from core.tasks.image_input import UPLOAD_EXTENSIONS, sample_photo
from core.ui.pickers import model_box_key
from core.ui.widgets import escape_markdown
from tests.support.app import open_page
from tests.support.models import expected_bars
from tests.support.plotly import plotly_specs

PAGE = "Image_Classification"
VIT = "google/vit-base-patch16-224"
RESNET = "microsoft/resnet-50"


def shown_bars(at: AppTest) -> list[list[tuple[str, float]]]:
    """(label, percent) pairs of each bar chart on the page."""
    return [list(zip(c["data"][0]["y"], c["data"][0]["x"])) for c in plotly_specs(at)]


def choose_models(at: AppTest, chosen: list[str]) -> AppTest:
    """Tick the boxes of the `chosen` models, untick the others."""
    for spec in models_for("image-classification"):
        at.checkbox(key=model_box_key("cls", spec.id)).set_value(spec.id in chosen)
    return at


def test_classification_shows_the_models_top_k(local_models):
    at = open_page(PAGE, "en-US")
    assert not at.exception and not at.error
    assert at.title[0].value == "🏷️ " + t("en", "tasks.image-classification.name")
    assert shown_bars(at) == [expected_bars(VIT, "chelsea", 5)]
    at.slider(key="cls_top_k").set_value(3).run()
    at.radio(key="cls_sample").set_value("coffee").run()
    assert shown_bars(at) == [expected_bars(VIT, "coffee", 3)]
    code = at.code[0].value
    assert 'pipeline("image-classification", model="google/vit-base-patch16-224")' in code
    assert "data.coffee()" in code and "top_k=3" in code
    assert any(c.value.endswith("s on cpu") for c in at.caption)


def test_comparing_two_models(local_models):
    at = open_page(PAGE, "en")
    choose_models(at, [VIT, RESNET]).run()
    assert not at.exception and not at.error
    assert shown_bars(at) == [expected_bars(VIT, "chelsea", 5), expected_bars(RESNET, "chelsea", 5)]
    links = [m.value for m in at.markdown if m.value.startswith("**[")]  # above each chart
    assert links == [
        f"**[{VIT}](https://huggingface.co/{VIT})**",
        f"**[{RESNET}](https://huggingface.co/{RESNET})**",
    ]
    assert sum(c.value.endswith("s on cpu") for c in at.caption) == 2
    tables = [frame.value for frame in at.dataframe]
    table = next(table for table in tables if "Top class" in table.columns)  # the comparison
    # each chart's data as a table (for a keyboard or a screen reader): its bars, in order
    answers = [table for table in tables if {"#", "Class", "Probability"} <= set(table.columns)]
    assert [list(a["Class"]) for a in answers] == [
        [label for label, _ in expected_bars(model, "chelsea", 5)] for model in (VIT, RESNET)
    ]
    assert list(table["Model"]) == [VIT, RESNET]
    assert list(table["Top class"]) == [expected_bars(VIT, "chelsea", 1)[0][0],
                                        expected_bars(RESNET, "chelsea", 1)[0][0]]  # fmt: skip
    titles = [t("en", "task_page.code_title", model=escape_markdown(m)) for m in (VIT, RESNET)]
    assert [e.label for e in at.expander if e.label in titles] == titles  # one per model


def test_rerun_with_same_inputs_does_not_run_the_model(local_models):
    from core.ui.shared import shared_models

    at = open_page(PAGE, "en")
    at.run()
    at.slider(key="cls_top_k").set_value(2).run()  # display only
    calls = {entry.ref.id: entry.calls for entry in shared_models().loaded()}
    assert calls == {VIT: 1}
    at.radio(key="cls_sample").set_value("rocket").run()
    assert shared_models().loaded()[0].calls == 2


def test_spanish_page_and_language_kept_across_pages(local_models):
    at = open_page("Home", "en-US")
    assert at.title[0].value == t("en", "home.title")
    at.selectbox(key="lang_choice").set_value("es").run()
    at.switch_page("app_pages/Image_Classification.py").run()
    assert not at.exception
    assert at.title[0].value == "🏷️ " + t("es", "tasks.image-classification.name")
    assert at.selectbox(key="lang_choice").value == "es"
    assert t("es", "task_page.applications_title") in [h.value for h in at.header]
    architecture = t("es", "models.col_architecture")
    table = next(d.value for d in at.dataframe if architecture in d.value.columns)
    assert list(table.columns)[:3] == [
        t("es", "models.col_model"),
        t("es", "models.col_card"),
        t("es", "models.col_architecture"),
    ]
    assert VIT in list(table[t("es", "models.col_model")])


def upload(at: AppTest, name: str, data: bytes, mime: str) -> AppTest:
    at.radio(key="cls_source").set_value("upload").run()
    at.file_uploader(key="cls_upload").set_value((name, data, mime))
    return at.run()


def test_uploaded_photo_is_classified(local_models):
    buffer = io.BytesIO()
    sample_photo("astronaut").image.save(buffer, format="PNG")
    at = upload(open_page(PAGE, "en"), "astronaut.png", buffer.getvalue(), "image/png")
    assert not at.exception and not at.error
    assert shown_bars(at) == [expected_bars(VIT, "astronaut", 5)]
    assert 'Image.open("astronaut.png")' in at.code[0].value


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_renamed_html_file_gets_a_clear_message(local_models, lang):
    page = b"<html><body><script>alert(1)</script></body></html>"
    at = upload(open_page(PAGE, f"{lang}-XX"), "cat.png", page, "image/png")
    assert not at.exception
    assert [e.value for e in at.error] == [t(lang, "input.error.not_an_image")]
    assert plotly_specs(at) == []


@pytest.mark.parametrize("name", ["setup.exe", "logo.svg", "no-extension"])
def test_a_file_the_picker_does_not_offer_gets_the_app_s_message(local_models, name):
    """A client posting a file of another type straight to the server (the picker offers only
    images): the page's own message, not Streamlit's exception; then a photo works again."""
    at = upload(open_page(PAGE, "es"), name, b"MZ\x90\x00 not an image", "image/png")
    assert not at.exception
    kinds = ", ".join(f".{kind}" for kind in UPLOAD_EXTENSIONS)
    assert [e.value for e in at.error] == [
        t("es", "input.wrong_type", file=escape_markdown(name), types=kinds)
    ]
    assert plotly_specs(at) == []
    buffer = io.BytesIO()
    sample_photo("astronaut").image.save(buffer, format="PNG")
    at.file_uploader(key="cls_upload").set_value(("foto.png", buffer.getvalue(), "image/png"))
    at.run()
    assert not at.exception and not at.error
    assert shown_bars(at) == [expected_bars(VIT, "astronaut", 5)]


def test_truncated_jpeg_gets_a_clear_message(local_models):
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), "orange").save(buffer, format="JPEG")
    data = buffer.getvalue()[:200]
    at = upload(open_page(PAGE, "es"), "roto.jpg", data, "image/jpeg")
    assert [e.value for e in at.error] == [t("es", "input.error.corrupt")]


def test_custom_model_ids(local_models):
    at = open_page(PAGE, "en")
    at.text_input(key="cls_custom").input("not a model id!").run()
    assert not at.exception
    assert "is not a valid Hub model id" in at.error[0].value
    at.text_input(key="cls_custom").input("someone/not-downloaded").run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "someone/not\\-downloaded" in errors[0]
    assert "no connection to the Hugging Face Hub" in errors[0]
    assert len(plotly_specs(at)) == 1  # the registry model still answers
    choose_models(at, []).run()
    at.text_input(key="cls_custom").input(RESNET).run()
    assert shown_bars(at) == [expected_bars(RESNET, "chelsea", 5)]


def test_a_big_model_chosen_alone_says_why_no_result_yet(local_models, monkeypatch):
    """No classifier is big today; were one added, ticked alone: the result's place says that
    it waits for the confirmation, and the confirmation brings the result."""
    import dataclasses

    from core.models.registry import HEAVY_MB, MODELS

    monkeypatch.setitem(MODELS, VIT, dataclasses.replace(MODELS[VIT], download_mb=HEAVY_MB))
    at = open_page(PAGE, "es")
    assert [i.value for i in at.info] == [t("es", "models.waiting")]
    assert plotly_specs(at) == []
    at.checkbox(key=f"cls_heavy_{VIT}").check().run()
    assert not at.info and shown_bars(at) == [expected_bars(VIT, "chelsea", 5)]


def test_no_model_chosen_says_so(local_models):
    at = open_page(PAGE, "es")
    choose_models(at, []).run()
    assert [i.value for i in at.info] == [t("es", "models.none")]
    assert plotly_specs(at) == []


def test_a_click_on_a_sample_s_thumbnail_picks_it(local_models):
    at = open_page(PAGE, "es-ES")
    at.button(key="cls_thumb_coffee").click().run()
    assert not at.exception
    assert at.radio(key="cls_sample").value == "coffee"  # the list follows the click
    assert "data.coffee()" in at.code[0].value
    assert shown_bars(at) == [expected_bars(VIT, "coffee", 5)]


def _pipeline_bars(folder, sample: str, k: int) -> list[tuple[str, float]]:
    """What transformers' own pipeline says, outside the app, as a percent to 2 places."""
    from transformers import pipeline

    found = pipeline("image-classification", model=str(folder))(sample_photo(sample).image, top_k=k)
    return [(p["label"], round(p["score"] * 100, 2)) for p in found]


def _printed(code: str, model_id: str, folder) -> list[str]:
    import contextlib

    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(code.replace(f'"{model_id}"', repr(str(folder))), "shown", "exec"), {})
    return output.getvalue().splitlines()


@pytest.mark.parametrize(
    ("model_id", "labels"),
    [("timm/test_resnet.r160_in1k", "ImageNet"), ("timm/test_efficientnet.r160_in1k", "own")],
)
def test_a_timm_classifier_typed_as_a_hub_id(local_models, model_id, labels):
    """timm's own config (no `architectures`): loaded as transformers' pipeline loads it,
    answered as the pipeline answers, with readable class names, and its code runs."""
    from tests.support.models import TIMM_TINY

    folder = local_models / model_id.replace("/", "--")
    at = open_page(PAGE, "es-ES")
    choose_models(at, [])
    at.text_input(key="cls_custom").input(model_id).run()
    assert not at.exception and not at.error
    bars = shown_bars(at)
    assert bars == [_pipeline_bars(folder, "chelsea", 5)]
    names = [label for label, _ in bars[0]]
    if labels == "own":
        assert set(names) <= set(TIMM_TINY[model_id]) and len(names) == 4
    else:  # ImageNet's names, as timm gives them: "tabby, tabby cat", never "LABEL_281"
        assert not any(name.startswith("LABEL_") for name in names)
        assert all(name[0].isalpha() for name in names)
    codes = [c.value for c in at.code]
    shown = [line for code in codes for line in _printed(code, model_id, folder)]
    for label, percent in bars[0][:3]:
        assert any(line.startswith(label) and f"{percent:.1f}" in line for line in shown), label
