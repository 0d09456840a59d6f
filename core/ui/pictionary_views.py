"""The Pictionary page's tabs (Streamlit widgets over `core.quickdraw.pictionary`): draw and
watch the model guess, play six rounds like Quick, Draw!, and the lesson's dogs-or-cats
Pictionary."""

from __future__ import annotations

import hashlib
import time
from functools import partial

import pandas as pd
import streamlit as st

from core.config import settings
from core.i18n import number, percent, t
from core.models.model_ref import ModelError, ModelRef
from core.models.registry import DEFAULT_MODELS, MODELS, default_model, models_for
from core.models.registry import DOGS_AND_CATS as DOGS_AND_CATS_ID
from core.quickdraw.canvas_strokes import canvas_to_strokes
from core.quickdraw.formats import QUICKDRAW_WORDS, to_bitmap, word_in
from core.quickdraw.pictionary import (
    DATASET_STYLE,
    ROUNDS,
    TOP,
    DoodleStyle,
    Game,
    model_sees,
)
from core.quickdraw.saved_models import TRAINED, saved_models
from core.tasks import chart_text
from core.tasks.charts import top_k_bars
from core.tasks.classification import ClassificationResult
from core.tasks.code_snippets import gradio_pictionary
from core.ui.error_messages import show_model_error
from core.ui.pickers import image_picker
from core.ui.quickdraw_views import load_drawings
from core.ui.runs import model_answer, model_labels, run_cached
from core.ui.shared import models_folder, shared_results
from core.ui.widgets import show_chart
from core.ui.zero_shot_views import ask_about_drawings

TASK = "image-classification"
ZERO_SHOT = "zero-shot-image-classification"
CANVAS_SIDE = 280
SEEN_MODEL = "pic_seen_model"  # the model (id, version) this session last guessed with
DOGS_AND_CATS = ModelRef(DOGS_AND_CATS_ID, TASK)
PHOTO_STYLE = DoodleStyle("black", 224)  # a photo classifier gets the drawing as a 224 px image


def choose_model(lang: str) -> tuple[ModelRef, DoodleStyle]:
    """The registry's doodle classifiers and every model trained on this computer."""
    choices = {spec.id: DoodleStyle(spec.doodle_ink, spec.doodle_size)
               for spec in models_for(TASK, doodles=True)}  # fmt: skip
    versions = {}
    for model in saved_models(models_folder()):
        choices[TRAINED + model["name"]] = DATASET_STYLE
        versions[TRAINED + model["name"]] = model["version"]
    names = list(choices)

    def label(model_id: str) -> str:
        spec = MODELS.get(model_id)
        size = f" · {spec.download_mb} MB" if spec else ""
        return f"{model_id}{size}"

    seen = st.session_state.get(SEEN_MODEL)  # (model id, version) this student chose
    model_id = st.selectbox(t(lang, "pictionary.model"), names, format_func=label, key="pic_model")
    if seen is not None and seen[0].startswith(TRAINED):
        if seen[0] not in versions:  # renamed or deleted by someone: say so, don't switch quietly
            st.warning(t(lang, "pictionary.model_gone", name=seen[0], now=model_id))
        elif seen[0] == model_id and versions[model_id] != seen[1]:
            st.warning(t(lang, "pictionary.model_replaced", name=model_id))
    version = versions.get(model_id, MODELS[model_id].revision if model_id in MODELS else "main")
    st.session_state[SEEN_MODEL] = (model_id, version)
    return ModelRef(model_id, TASK, version), choices[model_id]


GUESSES_HEIGHT = 80 + 34 * TOP + 20  # px: the chart of the top guesses (`top_k_bars`)
CANVAS_TOOLBAR_ROOM = 8  # px: with the gap under the tabs, the toolbar's height


def _canvas(key: str):
    from streamlit_drawable_canvas import st_canvas  # only importable inside a running app

    # The canvas's toolbar floats above its top edge: room for it, so it never covers the
    # tabs' labels just above the canvas.
    st.space(CANVAS_TOOLBAR_ROOM)
    return st_canvas(stroke_width=10, stroke_color="#000000", background_color="#ffffff",
                     height=CANVAS_SIDE, width=CANVAS_SIDE, drawing_mode="freedraw",
                     update_streamlit=True, key=key)  # fmt: skip


def _guesses(lang: str, ref: ModelRef, style: DoodleStyle, strokes) -> ClassificationResult | None:
    # Keyed by the picture the model sees: a rerun with the same drawing, or two students
    # with the same picture at the same moment, cost one forward pass.
    seen = model_sees(strokes, style)
    key = ("result", ref, hashlib.sha256(seen.tobytes()).hexdigest()[:16], "guess")
    try:
        answer = partial(model_answer, lang, ref, seen, False)  # False: no step by step
        return shared_results().get_or_compute(key, answer)
    except ModelError as err:
        show_model_error(lang, err, TASK)
        return None


def _bars(lang: str, result: ClassificationResult, key: str) -> None:
    from core.tasks.classification import Prediction

    shown = tuple(Prediction(word_in(lang, p.label), p.score) for p in result.top(TOP))
    said = chart_text.top_answers(lang, [(p.label, p.score) for p in shown])
    show_chart(lang, st, top_k_bars(shown, t(lang, "classification.chart_axis"), lang), key=key,
               alt=said)  # fmt: skip


# Drawings a student without a mouse can give the model: the first 100 of a word in Quick, Draw!'s
# simplified files (the explorer's default, so both pages share one download).
BORROWED_FORMAT, BORROWED_COUNT = "simplified", 100


def borrowed_strokes(lang: str, word: str, number: int) -> tuple | None:
    """The strokes of drawing `number` (from 1) of `word` in Quick, Draw!; None (and the
    reason, in the student's language) when the data cannot be read."""
    loaded = load_drawings(lang, word, BORROWED_FORMAT, BORROWED_COUNT)
    if loaded is None or not loaded[0]:
        return None
    drawings = loaded[0]
    return drawings[(number - 1) % len(drawings)].strokes


def borrowed_drawing(lang: str) -> tuple | None:
    """Pictionary without a mouse (a keyboard or a screen reader cannot draw on the canvas): a
    word, then one of its drawings from Quick, Draw!, given to the model in the canvas's place."""
    words = sorted(QUICKDRAW_WORDS, key=lambda w: word_in(lang, w).casefold())
    word = st.selectbox(
        t(lang, "pictionary.borrow"), [None, *words], key="pic_borrow_word",
        format_func=lambda w: t(lang, "pictionary.borrow_none") if w is None else word_in(lang, w),
    )  # fmt: skip
    if word is None:
        return None
    number = st.number_input(t(lang, "pictionary.borrow_number"), 1, BORROWED_COUNT, 1,
                             key="pic_borrow_number")  # fmt: skip
    return borrowed_strokes(lang, word, int(number))


@st.fragment
def draw_tab(lang: str, ref: ModelRef, style: DoodleStyle) -> None:
    """A canvas whose every finished stroke updates the guesses (only this part reruns); or,
    without a mouse, one of Quick, Draw!'s drawings."""
    left, right = st.columns([3, 2])
    with left:
        drawn = _canvas("pic_canvas")
        borrowed = borrowed_drawing(lang)
    strokes = borrowed or canvas_to_strokes(getattr(drawn, "json_data", None))
    with right:
        if not strokes:
            st.info(t(lang, "pictionary.start_drawing"))
            return
        sees = t(lang, "pictionary.model_sees", size=style.size)
        st.image(model_sees(strokes, style), width=112, caption=sees, alt=sees)
        result = _guesses(lang, ref, style, strokes)
        if result is not None:
            _bars(lang, result, "pic_guesses")
    photo_classifier(lang, strokes)


def photo_classifier(lang: str, strokes) -> None:
    """Domain shift, shown: the drawing given to the course's photo classifier (ImageNet), which
    never saw a sketch; its labels are its own, in English."""
    if not st.toggle(t(lang, "pictionary.photo_model"), key="pic_photo_model"):
        return
    photo_model = ModelRef(DEFAULT_MODELS[TASK], TASK)
    result = _guesses(lang, photo_model, PHOTO_STYLE, strokes)
    if result is None:
        return
    st.caption(t(lang, "pictionary.photo_model_note", model=photo_model.id))
    said = chart_text.top_answers(lang, [(p.label, p.score) for p in result.top(3)])
    show_chart(lang, st, top_k_bars(result.top(3), t(lang, "classification.chart_axis"), lang),
               key="pic_photo_guesses", alt=f"{photo_model.id}. {said}")  # fmt: skip


def in_a_game(lang: str) -> bool:
    """The game's tab is open and a game is going on (a round or the card before one): the page
    then leaves out its introduction, so that on a phone the canvas is in sight."""
    game: Game | None = st.session_state.get("pic_game")
    playing = game is not None and not game.finished
    return playing and st.session_state.get("pic_tabs") == t(lang, "pictionary.tab_game")


def game_tab(lang: str, ref: ModelRef, style: DoodleStyle) -> None:
    """Six rounds of a few seconds each; then the drawings, what the AI said, and the score."""
    game: Game | None = st.session_state.get("pic_game")
    label = "pictionary.play_again" if game is not None and game.finished else "pictionary.play"
    playing = game is not None and not game.finished  # no button over the canvas meanwhile
    if not playing and st.button(t(lang, label), type="primary", key="pic_play"):
        try:
            labels = model_labels(lang, ref)
        except ModelError as err:
            show_model_error(lang, err, TASK)
            return
        st.session_state["pic_game"] = Game(labels, settings().round_seconds)
        st.rerun()  # the page again, without the button, as the first round's card
    if game is None:
        st.info(t(lang, "pictionary.game_intro", rounds=ROUNDS, seconds=settings().round_seconds))
    elif game.finished:
        summary(lang, game)
    else:
        game_round(lang, ref, style)


@st.fragment(run_every=1.0)
def game_round(lang: str, ref: ModelRef, style: DoodleStyle) -> None:
    """One round: the word, a countdown, the canvas and the model's live guesses."""
    game: Game = st.session_state["pic_game"]
    now = time.time()
    # One slot holds the card, then the round: the canvas has the same place in the page from
    # the round's first run to its last. (Had the card left an element of its own above, the
    # canvas would move up on the next tick, and Streamlit would mount it anew: a blank canvas.)
    slot = st.empty()
    if game.current is None:
        if not ready_card(lang, game, slot):
            return
        game.start_round(now)
    current = game.current
    round_number = len(game.rounds)
    word = word_in(lang, current.word)
    # The word and the clock, the canvas, the guesses: side by side, so the whole canvas fits a
    # laptop's screen; in this order, so a phone (where columns stack) shows the word and the
    # clock, then the canvas, then the guesses under it. The guesses' room is kept from the
    # start: nothing moves while the student draws.
    with slot.container():
        told, drawing, guessed = st.columns([2, 3, 2])
    with told:
        st.subheader(t(lang, "pictionary.draw_word", word=word, number=round_number,
                       rounds=ROUNDS))  # fmt: skip
        remaining = game.remaining(now)
        st.progress(remaining / game.round_seconds, text=t(lang, "pictionary.seconds_left",
                                                           seconds=round(remaining)))  # fmt: skip
    with guessed:
        guesses = st.container(height=GUESSES_HEIGHT, border=False)
    with drawing:
        drawn = _canvas(f"pic_game_canvas_{round_number}")
        borrowed = borrowed_in_round(lang, current.word, round_number)
    strokes = borrowed or canvas_to_strokes(getattr(drawn, "json_data", None))
    result = _guesses(lang, ref, style, strokes) if strokes else None
    labels = tuple(p.label for p in result.top(TOP)) if result else ()
    if result is not None:
        with guesses:
            _bars(lang, result, f"pic_game_guesses_{round_number}")
    if game.update(strokes, labels, now):
        st.rerun()  # the next round (or the summary) starts on the next run


def _borrow_next(key: str) -> None:
    st.session_state[key] = st.session_state.get(key, 0) + 1


def borrowed_in_round(lang: str, word: str, round_number: int) -> tuple | None:
    """The game without a mouse: a button gives the model a drawing of the round's word from
    Quick, Draw! (the next one at each press), in place of the canvas's."""
    if word not in QUICKDRAW_WORDS:  # a word of the model's own, without a file
        return None
    key = f"pic_game_borrowed_{round_number}"
    st.button(t(lang, "pictionary.borrow_round", word=word_in(lang, word)), key=f"{key}_button",
              on_click=_borrow_next, args=(key,))  # fmt: skip
    pressed = st.session_state.get(key, 0)
    return borrowed_strokes(lang, word, pressed) if pressed else None


def ready_card(lang: str, game: Game, slot) -> bool:
    """Between rounds, as in the real game: how the last round went, the next word, and a
    button, in `slot`; True once the student is ready (the round's clock starts then, on a new
    canvas that takes the card's place)."""
    with slot.container(border=True):
        if game.rounds:
            last = game.rounds[-1]
            if last.guessed:
                st.success(t(lang, "pictionary.found", seconds=last.seconds))
            else:
                st.error(t(lang, "pictionary.not_found"))
        coming = len(game.rounds) + 1
        st.subheader(t(lang, "pictionary.next_round", number=coming, rounds=ROUNDS))
        st.markdown(f"## {word_in(lang, game.next_word)}")
        return st.button(t(lang, "pictionary.ready"), type="primary", key="pic_ready")


def summary(lang: str, game: Game) -> None:
    """The six drawings, whether the AI found each and when, its guesses, and the score."""
    st.metric(t(lang, "pictionary.score"), f"{game.score} / {ROUNDS}")
    zero_shot = None
    asked = default_model(ZERO_SHOT, lang)
    size = MODELS[asked].download_mb
    help_text = t(lang, "zero_shot.pictionary_help", model=asked, size=size)
    if st.toggle(t(lang, "zero_shot.pictionary_toggle"), key="pic_zero_shot", help=help_text):
        drawings = [(255 - to_bitmap(r.strokes, 224), r.word) for r in game.rounds]
        zero_shot = ask_about_drawings(lang, drawings, [r.word for r in game.rounds])
        if zero_shot is not None:
            st.caption(t(lang, "zero_shot.pictionary_note", model=zero_shot[0].id))
    for index, (column, round_) in enumerate(zip(st.columns(ROUNDS), game.rounds)):
        with column:
            picture = 255 - to_bitmap(round_.strokes, 96)
            word = word_in(lang, round_.word)
            st.image(picture, caption=word, alt=t(lang, "pictionary.drawing_alt", word=word))
            if round_.guessed:
                st.success(t(lang, "pictionary.found", seconds=round_.seconds))
            else:
                st.error(t(lang, "pictionary.not_found"))
            guesses = ", ".join(word_in(lang, g) for g in round_.guesses[:3]) or "—"
            st.caption(t(lang, "pictionary.it_said", guesses=guesses))
            if zero_shot is not None:
                best = zero_shot[1][index].predictions[0]
                score = percent(lang, best.score, 1)
                st.caption(t(lang, "zero_shot.pictionary_said", label=best.label, score=score))


def dogs_and_cats_tab(lang: str) -> None:
    """The lesson's own Pictionary: an image in, dog or cat out, with both probabilities."""
    st.markdown(t(lang, "pictionary.gradio_note"))
    with st.expander(t(lang, "pictionary.gradio_script")):
        st.code(gradio_pictionary(DOGS_AND_CATS.id, lang), language="python", wrap_lines=True)
    image = image_picker(lang, "pic_dc", TASK)
    if image is None:
        return
    left, right = st.columns(2)
    name = t(lang, f"samples.{image.name}") if image.source == "sample" else image.name
    left.image(image.image, alt=name)
    result = run_cached(lang, DOGS_AND_CATS, image)
    if result is not None:
        with right:
            for prediction in result.predictions:
                right.metric(
                    t(lang, f"pictionary.label_{prediction.label}"),
                    percent(lang, prediction.score, 1),
                )
            st.dataframe(pd.DataFrame([{t(lang, "pictionary.col_label"): p.label,
                                        t(lang, "pictionary.col_score"): number(lang, p.score, 4)}
                                       for p in result.predictions]), hide_index=True,
                         key="pic_dc_table")  # fmt: skip
