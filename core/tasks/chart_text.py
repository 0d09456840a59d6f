"""What each chart shows, in words, for a screen reader (a chart's `alt`) and for anyone who
cannot see or point at it: plain functions of the results the charts draw, in the student's
language."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from core.i18n import number, percent, t, tn

MOST_NAMED = 5  # a description names at most this many answers, the likeliest first


def ranked(lang: str, answers: Iterable[tuple[str, float]], most: int = MOST_NAMED) -> str:
    """ "gato 45,5 %, perro 20,0 %, …": answers (label, fraction) in the order given."""
    answers = list(answers)
    named = [f"{label} {percent(lang, score, 1)}" for label, score in answers[:most]]
    return ", ".join(named) + (", …" if len(answers) > most else "")


def top_answers(lang: str, answers: Iterable[tuple[str, float]]) -> str:
    """A bar chart of a classifier's answers: "Las 5 respuestas más probables: gato 45,5 %, …"."""
    answers = list(answers)
    return tn(lang, "charts.top_answers", len(answers), answers=ranked(lang, answers))


def boxes(lang: str, answers: Iterable[tuple[str, float]]) -> str:
    """The photo with the detector's boxes: "La foto con 3 cajas: persona 98 %, …"."""
    answers = list(answers)
    if not answers:
        return t(lang, "charts.no_boxes")
    return tn(lang, "charts.boxes", len(answers), answers=ranked(lang, answers))


# A 3 × 3 grid of the picture, named as a student would point: row (top to bottom) and column.
_ROWS = ("top", "middle", "bottom")
_COLUMNS = ("left", "centre", "right")


def region(lang: str, values: np.ndarray, nearest: bool) -> str:
    """Where in the picture `values` is largest (`nearest`) or smallest on average, as one of
    nine regions ("abajo a la izquierda"); unknown values (NaN) are left out."""
    height, width = values.shape
    means = np.full((3, 3), np.nan)
    for row in range(3):
        for column in range(3):
            block = values[row * height // 3:(row + 1) * height // 3,
                           column * width // 3:(column + 1) * width // 3]  # fmt: skip
            known = block[np.isfinite(block)]
            if known.size:
                means[row, column] = known.mean()
    if np.isnan(means).all():
        return t(lang, "charts.region.unknown")
    flat = np.nanargmax(means) if nearest else np.nanargmin(means)
    row, column = divmod(int(flat), 3)
    return t(lang, f"charts.region.{_ROWS[row]}_{_COLUMNS[column]}")


def depth_map(lang: str, nearness: np.ndarray, what: str) -> str:
    """A depth (or disparity) map: what its values are, and where the nearest and the farthest
    parts of the scene are. `nearness` grows towards the camera."""
    return t(lang, "charts.depth_map", what=what, near=region(lang, nearness, True),
             far=region(lang, nearness, False))  # fmt: skip


def shares(lang: str, answers: Iterable[tuple[str, float]]) -> str:
    """The segmentation legend: each class's share of the image, largest first."""
    answers = list(answers)
    return tn(lang, "charts.shares", len(answers), answers=ranked(lang, answers, most=8))


def box_list(lang: str, named: Iterable[tuple[str, tuple[float, float, float, float]]]) -> str:
    """Boxes as coordinates: "A: x 10–50, y 10–40; B: …"."""
    return "; ".join(
        t(lang, "charts.box", name=name, x0=number(lang, x0), x1=number(lang, x1),
          y0=number(lang, y0), y1=number(lang, y1))
        for name, (x0, y0, x1, y1) in named
    )  # fmt: skip


def learning(lang: str, epochs: int, loss: float, accuracy: float) -> str:
    """Learning curves, by their last epoch."""
    return tn(lang, "charts.learning", epochs, loss=number(lang, loss, 3),
              accuracy=percent(lang, accuracy, 1))  # fmt: skip


def confusion(lang: str, counts: np.ndarray, words: list[str]) -> str:
    """A confusion matrix, by its diagonal's share and its largest mistake."""
    total = counts.sum()
    right = np.trace(counts) / total if total else 0.0
    wrong = counts.copy()
    np.fill_diagonal(wrong, 0)
    if not wrong.any():
        return t(lang, "charts.confusion_none", right=percent(lang, right, 1))
    truth, guess = divmod(int(wrong.argmax()), len(words))
    return tn(lang, "charts.confusion", int(wrong[truth, guess]), right=percent(lang, right, 1),
              truth=words[truth], guess=words[guess])  # fmt: skip
