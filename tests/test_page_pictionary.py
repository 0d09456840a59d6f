"""The Pictionary page as a student sees it: live guesses, a six-round game, the student's own
models, dogs or cats."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from core.i18n import t
from core.models.loader import ModelCache
from core.models.model_ref import ModelRef
from core.quickdraw.canvas_strokes import canvas_to_strokes
from core.quickdraw.formats import read_ndjson, word_in
from core.quickdraw.pictionary import ROUNDS, DoodleStyle, guess
from core.tasks.classification import classify
from core.tasks.image_input import sample_photo
from tests.support.app import open_page
from tests.support.drawings import as_canvas, raw_drawings
from tests.support.environment import SHARED, need_shared
from tests.support.plotly import plotly_specs

PAGE = "Pictionary"
BEIT = ModelRef("kmewhort/beit-sketch-classifier", "image-classification")
BEIT_STYLE = DoodleStyle("black", 224)


@pytest.fixture
def page(local_models, bucket_server, tmp_path, monkeypatch):
    monkeypatch.setenv("VTL_ROUND_SECONDS", "0.3")
    monkeypatch.setenv("VTL_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("VTL_QUICKDRAW_URL", bucket_server.url)  # drawings for the keyboard
    monkeypatch.setenv("VTL_QUICKDRAW_CACHE", str(tmp_path / "quickdraw"))
    at = open_page(PAGE, run=False)
    at.context = {"locale": "en-US"}
    return at


def bars(at: AppTest) -> list[str]:
    return plotly_specs(at)[0]["data"][0]["y"]


def test_guesses_follow_the_drawing(page):
    at = page.run()
    assert [i.value for i in at.info][0] == t("en", "pictionary.start_drawing")
    drawing = as_canvas(raw_drawings("bicycle")[3])
    at.session_state["pic_canvas"] = {"drawing": {"raw": drawing, "data": None}}
    at.run()
    assert not at.exception and not at.error
    expected = guess(ModelCache(10**9).get(BEIT), canvas_to_strokes(drawing), BEIT_STYLE)
    assert bars(at) == [p.label for p in expected.top(5)]
    captions = [caption for image in at.image for caption in image.captions]
    assert t("en", "pictionary.model_sees", size=224) in captions


def test_a_game_runs_to_its_summary_in_spanish(page):
    at = page
    at.context = {"locale": "es-ES"}
    at.run()
    at.session_state["pic_tabs"] = t("es", "pictionary.tab_game")  # the student opens the tab
    at.run()
    at.button(key="pic_play").click().run()
    game = at.session_state["pic_game"]
    word = word_in("es", game.words[0])
    # a card before each round, as in the real game: the word, then the student says go
    assert at.subheader[0].value == t("es", "pictionary.next_round", number=1, rounds=ROUNDS)
    assert f"## {word}" in [m.value for m in at.markdown] and not game.rounds
    at.button(key="pic_ready").click().run()
    title = t("es", "pictionary.draw_word", word=word, number=1, rounds=ROUNDS)
    assert at.subheader[0].value == title and len(game.rounds) == 1
    at.session_state["pic_game_canvas_1"] = {
        "drawing": {"raw": as_canvas(raw_drawings("cat")[0]), "data": None}
    }
    deadline = time.time() + 30
    while not game.finished and time.time() < deadline:
        time.sleep(0.35)
        ready = [b for b in at.button if b.key == "pic_ready"]
        (ready[0].click() if ready else at).run()
    assert not at.exception
    assert game.finished and len(game.rounds) == ROUNDS
    assert game.rounds[0].strokes  # the drawing of round 1 was kept for the summary
    assert {m.label: m.value for m in at.metric}[t("es", "pictionary.score")] == f"{game.score} / 6"
    assert at.button(key="pic_play").label == t("es", "pictionary.play_again")
    # a model that never saw a doodle, asked with the game's six words (in Spanish) as classes
    at.toggle(key="pic_zero_shot").set_value(True).run(timeout=120)
    assert not at.exception
    assert {e.value for e in at.error} <= {t("es", "pictionary.not_found")}  # no model error
    words = [word_in("es", r.word) for r in game.rounds]
    said = [c.value for c in at.caption if c.value.startswith("Zero-shot: ")]
    assert len(said) == ROUNDS
    assert all(line.removeprefix("Zero-shot: ").rsplit(" (", 1)[0] in words for line in said)
    model = "google/siglip-base-patch16-256-multilingual"  # the one that reads Spanish
    assert t("es", "zero_shot.pictionary_note", model=model) in [c.value for c in at.caption]


def test_trained_models_are_listed_and_used(page, tmp_path):
    from core.quickdraw.saved_models import save_model
    from core.quickdraw.training import TrainingConfig, load_bitmaps, local_fetch, train

    need_shared()
    words = ("apple", "fish")
    images, labels = load_bitmaps(words, 200, local_fetch(SHARED / "data/quickdraw/numpy_bitmap"))
    save_model(train(TrainingConfig(words, 200, 1), images, labels), tmp_path / "models", "two")
    at = page.run()
    assert "trained/two" in at.selectbox(key="pic_model").options
    at.selectbox(key="pic_model").set_value("trained/two").run()
    at.session_state["pic_canvas"] = {
        "drawing": {"raw": as_canvas(raw_drawings("fish")[0]), "data": None}
    }
    at.run()
    assert not at.exception and sorted(bars(at)) == ["apple", "fish"]


def test_dogs_or_cats_tab_loads_its_model_only_when_opened(page):
    from core.ui.shared import shared_models

    dogs_and_cats = "omarques/autotrain-dogs-and-cats-1527055142"
    at = page.run()
    assert dogs_and_cats not in [entry.ref.id for entry in shared_models().loaded()]
    assert not at.metric
    at.session_state["pic_tabs"] = t("en", "pictionary.tab_dc")
    at.run()
    assert dogs_and_cats in [entry.ref.id for entry in shared_models().loaded()]
    model = ModelCache(10**9).get(
        ModelRef("omarques/autotrain-dogs-and-cats-1527055142", "image-classification")
    )
    expected = classify(model, sample_photo("chelsea").image)
    shown = {m.label: m.value for m in at.metric}
    for prediction in expected.predictions:
        assert shown[t("en", f"pictionary.label_{prediction.label}")] == f"{prediction.score:.1%}"


def test_a_model_replaced_or_renamed_under_a_student_is_said(page, tmp_path):
    """The student guesses with "two"; someone saves another "two" (other words), then renames
    it: each time the student is told, never answered unawares by a different model."""
    from core.quickdraw.saved_models import rename_model, save_model
    from core.quickdraw.training import TrainingConfig, load_bitmaps, local_fetch, train

    need_shared()
    bitmaps = SHARED / "data/quickdraw/numpy_bitmap"
    models = tmp_path / "models"

    def trained(words):
        images, labels = load_bitmaps(words, 100, local_fetch(bitmaps))
        return train(TrainingConfig(words, 100, 1), images, labels)

    save_model(trained(("apple", "fish")), models, "two")
    at = page.run()
    at.selectbox(key="pic_model").set_value("trained/two").run()
    at.session_state["pic_canvas"] = {
        "drawing": {"raw": as_canvas(raw_drawings("fish")[0]), "data": None}
    }
    at.run()
    assert sorted(bars(at)) == ["apple", "fish"] and not at.warning
    save_model(trained(("cat", "eye")), models, "two", replace=True)
    at.run()
    assert [w.value for w in at.warning] == [
        t("en", "pictionary.model_replaced", name="trained/two")
    ]
    assert sorted(bars(at)) == ["cat", "eye"]  # the new model, and the student knows
    rename_model(models, "two", "other")
    at.run()
    default = at.selectbox(key="pic_model").value
    assert [w.value for w in at.warning] == [
        t("en", "pictionary.model_gone", name="trained/two", now=default)
    ]


def cat_drawings():
    """The shared simplified cats, as the page reads them for a student without a mouse."""
    return read_ndjson((SHARED / "data" / "quickdraw" / "simplified" / "cat.ndjson").read_bytes()
                       .splitlines())[0]  # fmt: skip


def test_without_a_mouse_a_quick_draw_drawing_takes_the_canvas_s_place(page):
    """A keyboard or a screen reader cannot draw: a word and a number give the model one of
    Quick, Draw!'s drawings, and the guesses are the model's on that drawing."""
    at = page.run()
    at.selectbox(key="pic_borrow_word").set_value("cat").run()
    at.number_input(key="pic_borrow_number").set_value(2).run()
    assert not at.exception and not at.error
    expected = guess(ModelCache(10**9).get(BEIT), cat_drawings()[1].strokes, BEIT_STYLE)
    assert bars(at) == [p.label for p in expected.top(5)]


def test_without_a_mouse_a_round_is_played_with_a_button(page):
    at = page
    at.run()
    at.session_state["pic_tabs"] = t("en", "pictionary.tab_game")
    at.run()
    at.button(key="pic_play").click().run()
    game = at.session_state["pic_game"]
    game.words[0] = word = "cat"  # a word whose drawings the shared samples hold
    at.button(key="pic_ready").click().run()
    button = at.button(key="pic_game_borrowed_1_button")
    assert button.label == t("en", "pictionary.borrow_round", word=word_in("en", word))
    button.click().run()
    assert not at.exception and not at.error
    round_ = game.rounds[0]
    drawings = cat_drawings()
    assert round_.strokes == drawings[0].strokes  # the word's first drawing, given to the model
    expected = guess(ModelCache(10**9).get(BEIT), drawings[0].strokes, BEIT_STYLE)
    assert round_.guesses == tuple(p.label for p in expected.top(5))
