"""The "Train your own" page in AppTest: bitmaps from a local server laid out like Google's
bucket, a short training run with its curves, confusion, saving and managing models."""

from __future__ import annotations

import pytest

from core.i18n import t
from core.quickdraw.saved_models import delete_model, save_model, saved_models
from core.ui.widgets import escape_markdown
from tests.support.app import open_page, until_trained
from tests.support.environment import SHARED, need_shared
from tests.support.plotly import plotly_array, plotly_specs
from tests.support.range_server import RangeServer, bucket_from

PAGE = "Train_Your_Own"


@pytest.fixture(scope="module")
def bucket_url(tmp_path_factory):
    need_shared()
    data = SHARED / "data" / "quickdraw"
    root = bucket_from(data, tmp_path_factory.mktemp("bucket"), ("numpy_bitmap",))
    with RangeServer(root) as server:
        yield server.url


@pytest.fixture
def page(bucket_url, tmp_path, monkeypatch):
    import streamlit as st

    monkeypatch.setenv("VTL_QUICKDRAW_URL", bucket_url)
    monkeypatch.setenv("VTL_QUICKDRAW_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("VTL_MODELS_DIR", str(tmp_path / "models"))
    st.cache_resource.clear()
    at = open_page(PAGE, timeout=300, run=False)
    at.context = {"locale": "en-US"}
    return at.run()


def test_training_shows_progress_curves_and_confusion(page, tmp_path):
    at = page
    assert not at.exception
    at.slider(key="tr_per_class").set_value(200).run()
    at.slider(key="tr_epochs").set_value(2).run()
    at.button(key="tr_start").click().run()
    assert not at.exception and not at.error
    assert at.get("progress") or at.info  # a progress bar while it trains (or its place)
    until_trained(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Epochs"] == "2 / 2"
    accuracy = float(metrics["Validation accuracy"].rstrip("%")) / 100
    assert accuracy > 0.5  # six easy categories, 1,080 training drawings
    specs = plotly_specs(at)
    curves, confusion = specs[0], specs[1]
    assert [trace["name"] for trace in curves["data"]][:2] == ["training", "validation"]
    assert confusion["data"][0]["type"] == "heatmap"
    assert plotly_array(confusion["data"][0]["z"]).sum() == 120  # 10 % of 6 × 200 held out


def test_saved_model_is_listed_renamed_and_deleted(page, tmp_path):
    at = page
    at.slider(key="tr_per_class").set_value(100).run()
    at.slider(key="tr_epochs").set_value(1).run()
    until_trained(at.button(key="tr_start").click().run())
    at.text_input(key="tr_name").input("../outside").run()
    at.button(key="tr_save").click().run()
    assert [e.value for e in at.error] == [t("en", "train.bad_name")]
    at.text_input(key="tr_name").input("six-doodles").run()
    at.button(key="tr_save").click().run()
    assert [s.value for s in at.success] == [t("en", "train.saved", name="six-doodles")]
    assert [m["name"] for m in saved_models(tmp_path / "models")] == ["six-doodles"]
    at.text_input(key="tr_new_name").input("renamed").run()
    at.button(key="tr_rename").click().run()
    assert [m["name"] for m in saved_models(tmp_path / "models")] == ["renamed"]
    at.button(key="tr_delete").click().run()
    assert [w.value for w in at.warning] == [t("en", "train.confirm_delete", name="renamed")]
    at.button(key="tr_delete_no").click().run()
    assert [m["name"] for m in saved_models(tmp_path / "models")] == ["renamed"]  # kept
    at.button(key="tr_delete").click().run()
    at.button(key="tr_delete_yes").click().run()
    assert saved_models(tmp_path / "models") == []


def test_needs_two_categories_in_spanish(bucket_url, tmp_path, monkeypatch):
    monkeypatch.setenv("VTL_QUICKDRAW_URL", bucket_url)
    at = open_page(PAGE, run=False)
    at.context = {"locale": "es-ES"}
    at.run()
    at.multiselect(key="tr_words").set_value(["cat"]).run()
    assert [i.value for i in at.info] == [t("es", "train.need_words", low=2, high=20)]
    assert at.button(key="tr_start").disabled


def test_a_file_that_is_not_a_bitmap_file_is_named(page):
    at = page
    at.radio(key="tr_source").set_value("files").run()
    good = (SHARED / "data" / "quickdraw" / "numpy_bitmap" / "cat.npy").read_bytes()
    at.file_uploader(key="tr_files").set_value(
        [("cat.npy", good, "application/octet-stream"),
         ("dog.npy", b"\x89PNG\r\n\x1a\nnot bitmaps", "application/octet-stream")]
    )  # fmt: skip
    at.run()
    at.button(key="tr_start").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        t("en", "train.bad_file", detail="dog\\.npy: not a \\.npy file")
    ]


def test_a_file_of_another_type_gets_the_app_s_message(page):
    at = page
    at.radio(key="tr_source").set_value("files").run()
    at.file_uploader(key="tr_files").set_value([("cat.exe", b"MZ", "application/octet-stream")])
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        t("en", "input.wrong_type", file=escape_markdown("cat.exe"), types=".npy")
    ]


def test_a_file_named_with_html_is_not_used(page):
    at = page
    at.radio(key="tr_source").set_value("files").run()
    bitmaps = SHARED / "data" / "quickdraw" / "numpy_bitmap"
    files = [(f"{word}.npy", (bitmaps / f"{word}.npy").read_bytes(), "application/octet-stream")
             for word in ("cat", "fish")]  # fmt: skip
    files.append(('<a href="https:evil.test">cat.npy', files[0][1], "application/octet-stream"))
    at.file_uploader(key="tr_files").set_value(files)
    at.run()
    assert not at.exception
    assert len(at.error) == 1 and "\\<a href" in at.error[0].value  # shown escaped, as text
    at.slider(key="tr_per_class").set_value(100).run()
    at.slider(key="tr_epochs").set_value(1).run()
    until_trained(at.button(key="tr_start").click().run())
    confusion = plotly_specs(at)[1]
    assert confusion["data"][0]["x"] == ["cat", "fish"]


def test_a_training_too_big_for_the_server_is_explained(page, monkeypatch):
    import streamlit as st

    monkeypatch.setenv("VTL_TRAINING_BUDGET_MB", "100")  # less than one worker needs
    st.cache_resource.clear()
    at = page
    at.slider(key="tr_per_class").set_value(100).run()
    at.button(key="tr_start").click().run()
    assert not at.exception and len(at.error) == 1
    assert at.error[0].value.startswith("This training would need about ")
    assert "the server keeps 100 MB for training" in at.error[0].value
    assert not at.metric  # nothing trained


def test_a_training_waits_its_turn_then_starts_by_itself(page, monkeypatch):
    import streamlit as st

    from core.quickdraw.training import TrainingConfig, load_bitmaps, local_fetch
    from core.ui.shared import shared_trainings

    monkeypatch.setenv("VTL_TRAINING_MAX_RUNNING", "1")
    st.cache_resource.clear()
    words = ("apple", "cat", "fish")
    data = load_bitmaps(words, 300, local_fetch(SHARED / "data/quickdraw/numpy_bitmap"))
    classmate = shared_trainings().submit(TrainingConfig(words, 300, 3), *data)
    at = page
    at.slider(key="tr_per_class").set_value(100).run()
    at.slider(key="tr_epochs").set_value(1).run()
    at.button(key="tr_start").click().run()
    # behind the classmate: its place in the line, and when it should start
    place = t("en", "train.queued", position=1, seconds=0).split(";")[0]  # "…you are number 1"
    assert any(i.value.startswith(place) for i in at.info), [i.value for i in at.info]
    assert shared_trainings().view(classmate).state == "running"
    until_trained(at)  # then it starts by itself, and ends
    assert shared_trainings().view(classmate).state == "done"
    assert not at.exception and not at.error
    assert {m.label: m.value for m in at.metric}["Epochs"] == "1 / 1"


@pytest.fixture(scope="module")
def quick_result():
    from core.quickdraw.training import TrainingConfig, load_bitmaps, local_fetch, train

    words = ("apple", "fish")
    images, labels = load_bitmaps(
        words, 100, local_fetch(SHARED / "data" / "quickdraw" / "numpy_bitmap")
    )
    return train(TrainingConfig(words, 100, 1), images, labels)


def test_a_stale_page_never_deletes_the_model_that_took_the_place(
    bucket_url, quick_result, tmp_path, monkeypatch
):
    """A student's page lists their model "first"; meanwhile it is deleted and "second" saved.
    Their Delete must not remove "second" (it used to: by position in the list)."""
    at = _student(quick_result, tmp_path, monkeypatch)
    at.text_input(key="tr_name").input("first").run()
    at.button(key="tr_save").click().run()
    assert at.selectbox(key="tr_manage").value.startswith("first@")
    models = tmp_path / "models"
    delete_model(models, "first")  # the teacher, meanwhile, and another student saves
    save_model(quick_result, models, "second")
    at.button(key="tr_delete").click().run()  # told at once: nothing to confirm
    assert not at.exception
    assert [m["name"] for m in saved_models(models)] == ["second"]
    assert [w.value for w in at.warning] == [t("es", "train.model_changed", name="first")]


def test_a_disk_that_refuses_a_rename_is_not_called_a_bad_name(
    bucket_url, quick_result, tmp_path, monkeypatch
):
    import errno
    from pathlib import Path

    at = _student(quick_result, tmp_path, monkeypatch)
    at.text_input(key="tr_name").input("first").run()
    at.button(key="tr_save").click().run()

    def read_only(self, target):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(Path, "rename", read_only)
    at.text_input(key="tr_new_name").input("second").run()
    at.button(key="tr_rename").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    detail = escape_markdown("[Errno 30] Read-only file system")  # shown as text
    assert errors == [t("es", "train.change_failed", detail=detail)]
    assert [m["name"] for m in saved_models(tmp_path / "models")] == ["first"]  # as it was


def _student(result, tmp_path, monkeypatch, query: dict | None = None):
    """A student's session of the page with a trained model ready to save."""
    monkeypatch.setenv("VTL_MODELS_DIR", str(tmp_path / "models"))
    at = open_page(PAGE, "es-ES", run=False)
    at.session_state["tr_result"] = result
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def test_a_model_belongs_to_who_saved_it_and_to_the_teacher(
    bucket_url, quick_result, tmp_path, monkeypatch
):
    monkeypatch.setenv("VTL_TEACHER_TOKEN", "t0k3n")
    ana = _student(quick_result, tmp_path, monkeypatch)
    assert ana.text_input(key="tr_name").value == "mis-dibujos"  # a Spanish name to start with
    ana.text_input(key="tr_name").input("mine").run()
    ana.button(key="tr_save").click().run()
    first = saved_models(tmp_path / "models")[0]["version"]
    ben = _student(quick_result, tmp_path, monkeypatch)
    assert ben.button(key="tr_delete").disabled and ben.button(key="tr_rename").disabled
    assert t("es", "train.not_yours") in [c.value for c in ben.caption]
    ben.text_input(key="tr_name").input("mine").run()
    ben.button(key="tr_save").click().run()  # taken by Ana: refused, no offer to replace
    assert [e.value for e in ben.error] == [t("es", "train.name_taken", name="mine")]
    assert not [b for b in ben.button if b.key == "tr_replace"]
    ana.button(key="tr_save").click().run()  # Ana again: she may replace her own, on purpose
    assert [i.value for i in ana.info] == [t("es", "train.replace_offer", name="mine")]
    ana.button(key="tr_replace").click().run()
    assert [s.value for s in ana.success] == [t("es", "train.saved", name="mine")]
    assert saved_models(tmp_path / "models")[0]["version"] != first
    teacher = _student(quick_result, tmp_path, monkeypatch, {"teacher": "t0k3n"})
    assert not teacher.button(key="tr_delete").disabled
    teacher.button(key="tr_delete").click().run()
    teacher.button(key="tr_delete_yes").click().run()
    assert saved_models(tmp_path / "models") == []


def test_the_most_confused_pairs_are_named_once_per_row(quick_result, tmp_path, monkeypatch):
    """Each pair's name is one line above its drawings: under 56-pixel drawings a caption each
    broke mid-word ("manzan / a")."""
    import numpy as np

    from core.quickdraw.formats import word_in

    at = _student(quick_result, tmp_path, monkeypatch)
    wrong = quick_result.validation_labels != quick_result.validation_predictions
    assert wrong.any()  # one epoch on 100 drawings each: some mistakes to show
    truth = quick_result.config.words[int(quick_result.validation_labels[np.argmax(wrong)])]
    lines = [m.value for m in at.markdown if "→" in m.value]
    assert any(line.startswith(word_in("es", truth)) for line in lines)
    captions = [img.caption for element in at.get("imgs") for img in element.proto.imgs]
    assert not any("→" in caption for caption in captions)
