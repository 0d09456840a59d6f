"""Pictionary: the model's view of a drawing, the game's rules, and the page through AppTest
with real drawings injected into the canvas's state (AppTest cannot draw)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.quickdraw.formats import to_bitmap, word_in
from core.quickdraw.pictionary import ROUNDS, DoodleStyle, Game, model_sees
from tests.support.drawings import raw_drawings
from tests.support.environment import ROOT

BEIT_STYLE = DoodleStyle("black", 224)


def test_each_model_sees_its_own_convention():
    strokes = raw_drawings("cat")[0].strokes
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
