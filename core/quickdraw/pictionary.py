"""Pictionary: a model guesses what is being drawn, and a game like Quick, Draw!.

Strokes from the canvas (`core.quickdraw.canvas_strokes`) become the picture a model was trained on
through the one rasterizer, `to_bitmap`, in the model's own convention: the dataset's white
ink on black at 28 px for the classifiers trained in this app, black ink on white at 224 px for
the BEiT sketch classifier.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from PIL import Image

from core.quickdraw.formats import Stroke, to_bitmap
from core.tasks.classification import ClassificationResult, classify
from core.tasks.run_info import TaskModel

ROUNDS = 6
TOP = 5


@dataclass(frozen=True)
class DoodleStyle:
    """How a model was trained to see drawings."""

    ink: str  # "white" (on black) or "black" (on white)
    size: int  # pixels a side


DATASET_STYLE = DoodleStyle("white", 28)  # Quick, Draw!'s numpy_bitmap, and our own models


def model_sees(strokes: tuple[Stroke, ...], style: DoodleStyle) -> Image.Image:
    """The exact picture the model is given."""
    bitmap = to_bitmap(strokes, style.size)
    if style.ink == "black":
        bitmap = 255 - bitmap
    return Image.fromarray(bitmap).convert("RGB")


def guess(
    model: TaskModel, strokes: tuple[Stroke, ...], style: DoodleStyle
) -> ClassificationResult:
    """The model's top guesses for a drawing."""
    return classify(model, model_sees(strokes, style), steps=False)


@dataclass
class Round:
    word: str
    started: float
    strokes: tuple[Stroke, ...] = ()
    guesses: tuple[str, ...] = ()
    seconds: float | None = None  # when the model found the word
    over: bool = False

    @property
    def guessed(self) -> bool:
        return self.seconds is not None


@dataclass
class Game:
    """Six rounds; each ends when the model's top guess is the word, or when time is up."""

    labels: tuple[str, ...]
    round_seconds: float
    seed: int | None = None
    rounds: list[Round] = field(default_factory=list)
    words: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.labels:
            raise ValueError("the model knows no word")
        rng = random.Random(self.seed)
        labels = list(self.labels)
        # a model trained on fewer than six categories asks for some words twice
        self.words = (
            rng.sample(labels, ROUNDS) if len(labels) >= ROUNDS else rng.choices(labels, k=ROUNDS)
        )

    @property
    def current(self) -> Round | None:
        return self.rounds[-1] if self.rounds and not self.rounds[-1].over else None

    @property
    def finished(self) -> bool:
        return len(self.rounds) == ROUNDS and self.rounds[-1].over

    @property
    def next_word(self) -> str | None:
        """The word of the round the student is about to start; None once the game is over."""
        return None if self.finished or self.current else self.words[len(self.rounds)]

    @property
    def score(self) -> int:
        return sum(r.guessed for r in self.rounds)

    def start_round(self, now: float) -> Round:
        if self.current is not None or self.finished:
            raise ValueError("a round is already running, or the game is over")
        round_ = Round(self.words[len(self.rounds)], now)
        self.rounds.append(round_)
        return round_

    def remaining(self, now: float) -> float:
        current = self.current
        return 0.0 if current is None else max(0.0, current.started + self.round_seconds - now)

    def update(self, strokes: tuple[Stroke, ...], guesses: tuple[str, ...], now: float) -> bool:
        """Record the drawing and the model's guesses; True when this ends the round."""
        current = self.current
        if current is None:
            return False
        current.strokes, current.guesses = strokes, guesses
        if guesses and guesses[0] == current.word:
            current.seconds = now - current.started
            current.over = True
        elif now >= current.started + self.round_seconds:
            current.over = True
        return current.over
