"""What the charts say in words (their `alt` for a screen reader), computed from their data."""

import numpy as np
import pytest

from core.tasks import chart_text
from core.tasks.colours import ACCENT, PALETTE, contrast, text_on


def test_answers_are_named_likeliest_first_with_their_percentages_in_the_student_s_way():
    answers = [("gato", 0.455), ("perro", 0.2), ("zorro", 0.05)]
    assert chart_text.top_answers("es", answers) == (
        "Las 3 respuestas más probables: gato 45,5\xa0%, perro 20,0\xa0%, zorro 5,0\xa0%"
    )
    assert chart_text.top_answers("en", answers[:1]) == "The likeliest answer: gato 45.5%"


def test_a_long_list_is_cut_after_five_with_an_ellipsis():
    answers = [(f"c{n}", 0.1) for n in range(7)]
    said = chart_text.boxes("en", answers)
    assert said.startswith("The photo with 7 boxes: c0 10.0%")
    assert "c4 10.0%, …" in said and "c5" not in said


def test_a_photo_without_boxes_says_so():
    assert chart_text.boxes("es", []) == "La foto, sin ninguna caja por encima del umbral"


@pytest.mark.parametrize(
    ("row", "column", "near"),
    [(0, 0, "at the top left"), (2, 0, "at the bottom left"), (1, 2, "in the middle right")],
)
def test_a_depth_map_says_where_the_nearest_part_is(row, column, near):
    nearness = np.zeros((90, 120))
    nearness[row * 30 : (row + 1) * 30, column * 40 : (column + 1) * 40] = 5.0
    nearness[0:30, 80:120] -= 1.0 if (row, column) != (0, 2) else 0.0  # the farthest: top right
    said = chart_text.depth_map("en", nearness, "relative depth")
    assert said == f"Map of relative depth: nearest {near}; farthest at the top right"


def test_unknown_depth_values_are_left_out_of_the_regions():
    disparity = np.full((9, 9), np.nan)
    disparity[6:, 6:] = 2.0
    disparity[:3, :3] = 1.0
    said = chart_text.depth_map("es", disparity, "disparidad")
    assert said == ("Mapa de disparidad: lo más cercano, abajo a la derecha; "
                    "lo más lejano, arriba a la izquierda")  # fmt: skip


def test_a_confusion_matrix_names_its_largest_mistake_and_its_share_right():
    counts = np.array([[8, 2, 0], [1, 9, 0], [0, 0, 10]])
    said = chart_text.confusion("es", counts, ["gato", "perro", "pez"])
    assert said == (
        "Matriz de confusión: 90,0\xa0% de aciertos; la confusión más frecuente, "
        "gato tomado por perro (2 veces)"
    )
    assert chart_text.confusion("en", np.eye(3, dtype=int) * 4, ["a", "b", "c"]) == (
        "Confusion matrix: 100.0% right, with no confusion"
    )


def test_boxes_are_said_by_their_coordinates():
    said = chart_text.box_list("es", [("A", (10, 10, 50, 40)), ("B", (30.5, 20, 70, 50))])
    assert said == "caja A: x de 10 a 50, y de 10 a 40; caja B: x de 30,5 a 70, y de 20 a 50"


def test_the_charts_accent_is_the_theme_s_and_reads_on_white():
    """Bars, lines and frames are drawn in the theme's primary colour, at WCAG's 4.5:1 against
    white (3:1 is asked of graphics; text sits on the bars too)."""
    import tomllib

    from tests.support.environment import ROOT

    theme = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["theme"]
    assert theme["primaryColor"].lower() == ACCENT.lower()
    assert contrast(ACCENT, "#ffffff") >= 4.5


def test_a_box_s_label_reads_on_its_colour_whatever_the_class():
    """Labels on the detection boxes: black or white text on the class's colour, never under
    WCAG's 4.5:1 for text, for every colour of the palette."""
    assert text_on("#ffff80") == "#000000" and text_on("#0075dc") == "#ffffff"
    assert min(contrast(text_on(colour), colour) for colour in PALETTE) >= 4.5
