"""Canvas path commands → strokes → `to_bitmap`: a real drawing replayed through the canvas's
format gives the same bitmap (within a small tolerance) as the original strokes."""

from __future__ import annotations

import numpy as np
import pytest

from core.quickdraw.canvas_strokes import canvas_to_strokes, path_to_stroke
from core.quickdraw.formats import read_ndjson, to_bitmap
from tests.support.drawings import as_canvas
from tests.support.environment import SHARED, need_shared


@pytest.mark.parametrize("word", ["cat", "bicycle", "The Eiffel Tower", "zigzag"])
def test_real_drawings_survive_the_canvas(word):
    need_shared()
    path = SHARED / "data" / "quickdraw" / "raw" / f"{word}.ndjson"
    drawings, _ = read_ndjson(path.read_bytes().splitlines())
    correlations = []
    for drawing in drawings:
        original = to_bitmap(drawing.strokes).astype(float)
        replayed = to_bitmap(canvas_to_strokes(as_canvas(drawing))).astype(float)
        correlations.append(np.corrcoef(original.ravel(), replayed.ravel())[0, 1])
        # the pencil's smoothing rounds sharp corners: small circles of a bicycle move most
        assert correlations[-1] > 0.95 and np.abs(original - replayed).mean() < 10  # of 255
    assert np.mean(correlations) > 0.99


def test_path_commands_by_hand():
    # a quadratic from (0, 0) with control (10, 0) to (10, 10): half way it is at (7.5, 2.5)
    xs, ys = path_to_stroke([["M", 0, 0], ["Q", 10, 0, 10, 10], ["L", 12, 12]])
    assert xs == (0.0, 7.5, 10.0, 12.0) and ys == (0.0, 2.5, 10.0, 12.0)
    with pytest.raises(ValueError):
        path_to_stroke([["Z"]])


def test_other_objects_and_junk_are_ignored():
    data = {"objects": [
        {"type": "rect", "left": 1},
        {"type": "path", "path": [["M", 1, 1], ["L", 5, 5]]},
        {"type": "path", "path": [["Q", 1]]},
        "junk",
    ]}  # fmt: skip
    assert canvas_to_strokes(data) == (((1.0, 5.0), (1.0, 5.0)),)
    assert canvas_to_strokes(None) == () and canvas_to_strokes({"objects": None}) == ()


def test_an_object_whose_type_is_not_text_is_ignored():
    """Found by a 5,000-case fuzz run: `{"type": null}` raised AttributeError."""
    assert canvas_to_strokes({"objects": [{"type": None}, {"type": 3, "path": []}]}) == ()
