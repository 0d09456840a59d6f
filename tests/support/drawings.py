"""Real Quick, Draw! drawings (../shared/data) and the same drawings as the canvas returns them."""

from __future__ import annotations

from core.quickdraw.canvas_strokes import stroke_to_path
from core.quickdraw.formats import Drawing, normalise, read_ndjson
from tests.support.environment import SHARED, need_shared

CANVAS = 400  # pixels a side, as on the Pictionary page


def raw_drawings(word: str) -> list[Drawing]:
    """The raw drawings of `word` in the shared sample (skips without ../shared)."""
    need_shared()
    path = SHARED / "data" / "quickdraw" / "raw" / f"{word}.ndjson"
    return read_ndjson(path.read_bytes().splitlines())[0]


def as_canvas(drawing: Drawing) -> dict:
    """The drawing as streamlit-drawable-canvas returns it, scaled to fit the canvas."""
    objects = []
    for xs, ys in normalise(drawing.strokes):
        scaled_x = [20 + x * (CANVAS - 40) / 255 for x in xs]
        scaled_y = [20 + y * (CANVAS - 40) / 255 for y in ys]
        objects.append({"type": "path", "path": stroke_to_path(scaled_x, scaled_y)})
    return {"objects": objects}
