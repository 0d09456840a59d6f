"""Pictionary: the model's view of a drawing, the game's rules, and the page through AppTest
with real drawings injected into the canvas's state (AppTest cannot draw)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.i18n import t
from core.models.loader import ModelCache
from core.models.model_ref import ModelRef
from core.quickdraw.canvas_strokes import canvas_to_strokes
from core.quickdraw.formats import read_ndjson, to_bitmap, word_in
from core.quickdraw.pictionary import ROUNDS, DoodleStyle, Game, guess, model_sees
from core.tasks.classification import classify
from core.tasks.image_input import sample_photo
from tests.conftest import ROOT, need_shared
from tests.model_factory import SHARED
from tests.test_canvas_strokes import as_canvas

PAGE = str(ROOT / "pages" / "7_Pictionary.py")
BEIT = ModelRef("kmewhort/beit-sketch-classifier", "image-classification")
BEIT_STYLE = DoodleStyle("black", 224)


def raw(word: str):
    need_shared()
    path = SHARED / "data" / "quickdraw" / "raw" / f"{word}.ndjson"
    return read_ndjson(path.read_bytes().splitlines())[0]


def test_each_model_sees_its_own_convention():
    strokes = raw("cat")[0].strokes
    dataset = np.asarray(model_sees(strokes, DoodleStyle("white", 28)))
    sketch = np.asarray(model_sees(strokes, BEIT_STYLE))
    assert dataset.shape == (28, 28, 3) and sketch.shape == (224, 224, 3)
    assert (dataset[..., 0] == to_bitmap(strokes)).all()  # white ink on black, as the dataset
    assert sketch[0, 0, 0] == 255 and (sketch[..., 0] == 255 - to_bitmap(strokes, 224)).all()


def test_words_in_both_languages():
    assert word_in("es", "cat") == "gato" and word_in("en", "cat") == "cat"
    assert word_in("es", "The Eiffel Tower") == "la torre Eiffel"
    table = json.loads((ROOT / "assets" / "quickdraw_words_es.json").read_text())
    words = (ROOT / "assets" / "quickdraw_categories.txt").read_text().splitlines()
    assert list(table) == words and all(table.values())


def test_game_rules():
    game = Game(("cat", "dog", "sun", "car", "eye", "key", "cup"), round_seconds=20, seed=1)
    assert len(set(game.words)) == ROUNDS
    first = game.start_round(now=100.0)
    assert not game.update((), ("not-a-word",), now=105.0) and game.remaining(105.0) == 15.0
    assert game.update((), (first.word, "dog"), now=107.5)  # the top guess is the word
    assert first.guessed and first.seconds == 7.5
    second = game.start_round(now=200.0)
    assert game.update((), ("nothing",), now=220.0) and not second.guessed  # time is up
    for start in range(4):
        game.start_round(now=300.0 + start * 100)
        game.update((), (), now=330.0 + start * 100)
    assert game.finished and game.score == 1
    with pytest.raises(ValueError):
        game.start_round(now=1000.0)
    assert len(Game(("a", "b"), 20, seed=0).words) == ROUNDS  # few words: some come twice


@pytest.fixture
def page(local_models, tmp_path, monkeypatch):
    monkeypatch.setenv("VTL_ROUND_SECONDS", "0.3")
    monkeypatch.setenv("VTL_MODELS_DIR", str(tmp_path / "models"))
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.context = {"locale": "en-US"}
    return at


def bars(at: AppTest) -> list[str]:
    return json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["y"]


def test_guesses_follow_the_drawing(page):
    at = page.run()
    assert [i.value for i in at.info][0] == t("en", "pictionary.start_drawing")
    drawing = as_canvas(raw("bicycle")[3])
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
    at.button(key="pic_play").click().run()
    game = at.session_state["pic_game"]
    word = word_in("es", game.words[0])
    title = t("es", "pictionary.draw_word", word=word, number=1, rounds=ROUNDS)
    assert at.subheader[0].value == title
    at.session_state["pic_game_canvas_1"] = {
        "drawing": {"raw": as_canvas(raw("cat")[0]), "data": None}
    }
    deadline = time.time() + 30
    while not game.finished and time.time() < deadline:
        time.sleep(0.35)
        at.run()
    assert not at.exception
    assert game.finished and len(game.rounds) == ROUNDS
    assert game.rounds[0].strokes  # the drawing of round 1 was kept for the summary
    assert {m.label: m.value for m in at.metric}[t("es", "pictionary.score")] == f"{game.score} / 6"
    assert at.button(key="pic_play").label == t("es", "pictionary.play_again")


def test_trained_models_are_listed_and_used(page, tmp_path):
    from core.quickdraw.training import TrainingConfig, load_bitmaps, local_fetch, save_model, train

    need_shared()
    words = ("apple", "fish")
    images, labels = load_bitmaps(words, 200, local_fetch(SHARED / "data/quickdraw/numpy_bitmap"))
    save_model(train(TrainingConfig(words, 200, 1), images, labels), tmp_path / "models", "two")
    at = page.run()
    assert "trained/two" in at.selectbox(key="pic_model").options
    at.selectbox(key="pic_model").set_value("trained/two").run()
    at.session_state["pic_canvas"] = {"drawing": {"raw": as_canvas(raw("fish")[0]), "data": None}}
    at.run()
    assert not at.exception and sorted(bars(at)) == ["apple", "fish"]


def test_dogs_or_cats_tab(page):
    at = page.run()
    model = ModelCache(10**9).get(
        ModelRef("omarques/autotrain-dogs-and-cats-1527055142", "image-classification")
    )
    expected = classify(model, sample_photo("chelsea").image)
    shown = {m.label: m.value for m in at.metric}
    for prediction in expected.predictions:
        assert shown[t("en", f"pictionary.label_{prediction.label}")] == f"{prediction.score:.1%}"
    assert Path(PAGE).is_file()
