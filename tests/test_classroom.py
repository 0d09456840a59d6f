"""A classroom at once: 20 student sessions (AppTest instances in threads) open classification,
detection and Pictionary at the same moment. Every session gets its own answer, without error,
from one shared copy of each model.

AppTest was not written for threads: each run installs a mock `Runtime` in a class attribute
and removes it when done, so a session finishing early would pull it from under the others.
It also sets, then restores, a global config option. The `classroom` fixture keeps one mock
and the option in place while the sessions run; the pages, caches and models are the app's
own."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.models.loader import ModelCache, build_pipeline
from core.models.model_ref import ModelRef
from core.quickdraw.canvas_strokes import canvas_to_strokes
from core.quickdraw.formats import word_in
from core.quickdraw.pictionary import DoodleStyle, guess
from core.tasks.classification import classify
from core.tasks.detection import detect
from core.tasks.image_input import sample_photo
from tests.support.app import open_page, sessions_at_once
from tests.support.drawings import as_canvas
from tests.support.drawings import raw_drawings as raw
from tests.support.models import expected_bars
from tests.support.plotly import plotly_specs

SESSIONS = 20
SAMPLES = ["chelsea", "coffee", "astronaut", "rocket", "motorcycle"]
DETR = ModelRef("facebook/detr-resnet-50", "object-detection", "no_timm")
BEIT = ModelRef("kmewhort/beit-sketch-classifier", "image-classification")
BEIT_STYLE = DoodleStyle("black", 224)
PAGES = {
    "classification": "Image_Classification",
    "detection": "Object_Detection",
    "pictionary": "Pictionary",
}
PREFIX = {"classification": "cls", "detection": "det"}


@pytest.fixture
def classroom(local_models, monkeypatch, tmp_path):
    monkeypatch.setenv("VTL_MODELS_DIR", str(tmp_path / "models"))
    with sessions_at_once():
        yield


def student(index: int, start: threading.Barrier) -> tuple[str, int, AppTest]:
    """One student: a page, a photo or a drawing of their own, everyone at once."""
    page = ("classification", "detection", "pictionary")[index % 3]
    at = open_page(PAGES[page], ("es-ES", "en-US")[index % 2], timeout=120, run=False)
    if page == "pictionary":
        drawing = as_canvas(raw("cat")[index % 10])
        at.session_state["pic_canvas"] = {"drawing": {"raw": drawing, "data": None}}
    start.wait()  # the teacher shares the link
    at.run()
    if page != "pictionary":
        at.radio(key=f"{PREFIX[page]}_sample").set_value(SAMPLES[index % len(SAMPLES)]).run()
    return page, index, at


def test_twenty_sessions_at_once_share_one_copy_of_each_model(classroom):
    from core.ui.shared import shared_models

    cache = shared_models()
    builds: list[str] = []
    build = cache._build

    def counting_build(ref, progress):
        builds.append(ref.id)
        return build(ref, progress)

    cache._build = counting_build
    start = threading.Barrier(SESSIONS)
    with ThreadPoolExecutor(max_workers=SESSIONS) as pool:
        sessions = list(pool.map(lambda i: student(i, start), range(SESSIONS)))

    alone = ModelCache(10**9)  # what each student would see with the app to themselves
    for page, index, at in sessions:
        assert not at.exception and not at.error, (page, index, at.exception, at.error)
        sample = SAMPLES[index % len(SAMPLES)]
        if page == "classification":
            bars = plotly_specs(at)[0]["data"][0]
            top = expected_bars("google/vit-base-patch16-224", sample, 5)
            assert list(zip(bars["y"], bars["x"])) == top, index
        elif page == "detection":
            kept = detect(alone.get(DETR), sample_photo(sample).image).above(0.5)
            traces = [tr["name"] for tr in plotly_specs(at)[0]["data"] if tr["type"] == "scatter"]
            assert traces == [d.label for d in kept], index
        else:
            strokes = canvas_to_strokes(as_canvas(raw("cat")[index % 10]))
            expected = guess(alone.get(BEIT), strokes, BEIT_STYLE)
            lang = ("es", "en")[index % 2]
            words = [word_in(lang, p.label) for p in expected.top(5)]
            assert plotly_specs(at)[0]["data"][0]["y"] == words, index
    assert len(builds) == len(set(builds))  # each model built once, whoever asked first
    assert {"google/vit-base-patch16-224", DETR.id, BEIT.id} <= set(builds)
    assert sorted(e.ref.id for e in cache.loaded()) == sorted(builds)  # one copy each
    calls = {e.ref.id: e.calls for e in cache.loaded()}
    assert calls[BEIT.id] == SESSIONS // 3  # every drawing its own guess, one at a time


TASK_PAGES = {
    "app_pages/Image_Classification.py": "google/vit-base-patch16-224",
    "app_pages/Object_Detection.py": DETR.id,
    "app_pages/Depth_Estimation.py": "depth-anything/Depth-Anything-V2-Small-hf",
    "app_pages/Image_Segmentation.py": "nvidia/segformer-b0-finetuned-ade-512-512",
}


def test_a_class_on_the_same_photo_costs_one_model_call_per_page(classroom):
    """20 students open the four task pages at once, all on the default sample photo: each
    page's model runs once, and every student sees the same answer."""
    from core.ui.shared import shared_models

    start = threading.Barrier(SESSIONS)
    pages = list(TASK_PAGES)

    def student_opens(index: int) -> tuple[str, AppTest]:
        page = Path(pages[index % 4]).stem
        at = open_page(page, ("es-ES", "en-US")[index // 4 % 2], timeout=120, run=False)
        start.wait()
        return pages[index % 4], at.run()

    with ThreadPoolExecutor(max_workers=SESSIONS) as pool:
        sessions = list(pool.map(student_opens, range(SESSIONS)))
    calls = {entry.ref.id: entry.calls for entry in shared_models().loaded()}
    assert calls == dict.fromkeys(TASK_PAGES.values(), 1)
    answers: dict[tuple[str, str], list] = {}
    for page, at in sessions:
        assert not at.exception and not at.error, (page, at.exception, at.error)
        answers.setdefault((page, at.context["locale"]), []).append(plotly_specs(at)[0]["data"])
    assert len(answers) == 8  # four pages, two languages
    for shown in answers.values():  # what each student sees is the one answer
        assert shown[0] and all(data == shown[0] for data in shown)


CLS = "image-classification"
MODELS = [ModelRef("google/vit-base-patch16-224", CLS), ModelRef("microsoft/resnet-50", CLS)]
SAMPLES = ["chelsea", "coffee", "astronaut", "rocket", "motorcycle"]


def test_twenty_sessions_share_one_copy_and_get_their_answers(local_models):
    builds = []

    def counting_build(ref, progress):
        builds.append(ref.id)
        return build_pipeline(ref, progress)

    shared = ModelCache(10**9, build=counting_build)
    start = threading.Barrier(20)

    def session(index: int):
        start.wait()  # everyone at the same moment, as when a teacher shares the link
        ref = MODELS[index % 2]
        image = sample_photo(SAMPLES[index % len(SAMPLES)]).image
        return ref, index, classify(shared.get(ref), image)

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(session, range(20)))

    assert sorted(builds) == sorted(ref.id for ref in MODELS)  # each model built once
    alone = ModelCache(10**9)
    for ref, index, result in answers:  # the same answers as one session alone
        expected = classify(alone.get(ref), sample_photo(SAMPLES[index % len(SAMPLES)]).image)
        assert [p.label for p in result.predictions] == [p.label for p in expected.predictions]
    assert sum(entry.calls for entry in shared.loaded()) == 20
