"""The "Train your own" page's sections (Streamlit widgets over `core.quickdraw.training`).

A training runs in a worker process (`core.quickdraw.training_queue`); the page follows it,
polling its place in the queue or its progress, and the Stop button asks it to end after its
current step.
The model of each finished epoch comes back, so what was learned until then can be inspected and
saved. Leaving the page does not stop it: coming back, the page follows it again.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

import numpy as np
import pandas as pd
import streamlit as st

from core.config import settings
from core.i18n import number, percent, t, tn
from core.quickdraw.formats import QUICKDRAW_WORDS, FormatError, word_in
from core.quickdraw.source import QuickDrawError, QuickDrawSource, read_npy_bitmaps
from core.quickdraw.training import (
    CATEGORY,
    CLASSES_RANGE,
    PER_CLASS_RANGE,
    TrainingConfig,
    TrainingResult,
    confusion_matrix,
    load_bitmaps,
    most_confused,
)
from core.quickdraw.training_charts import accuracy_by_data, confusion_heatmap, learning_curves
from core.quickdraw.training_queue import ACTIVE, JobState, TrainingQueue, TrainingRefused
from core.tasks import chart_text
from core.ui.error_messages import upload
from core.ui.shared import shared_results, shared_trainings
from core.ui.widgets import escape_markdown, pick_many, show_chart

RESULT, JOB, RUNS = "tr_result", "tr_job", "tr_runs"  # the student's own session
DEFAULT_WORDS = ["apple", "bicycle", "cat", "diamond", "eye", "fish"]


def choose_data(lang: str) -> tuple[TrainingConfig, Callable[[str, int], np.ndarray]] | None:
    """Categories, drawings per category, epochs and seed; where the bitmaps come from."""
    source = st.radio(
        t(lang, "train.source"),
        ["bucket", "files"],
        horizontal=True,
        format_func=lambda name: t(lang, f"train.source_{name}"),
        key="tr_source",
    )
    if source == "bucket":
        words = pick_many(lang, t(lang, "train.words"), QUICKDRAW_WORDS, default=DEFAULT_WORDS,
                          format_func=lambda word: word_in(lang, word),
                          most=CLASSES_RANGE[1], key="tr_words")  # fmt: skip
        config = settings()
        source = QuickDrawSource(
            config.quickdraw_url, config.quickdraw_cache, config.network_timeout
        )
        fetch = source.first_bitmaps
    else:
        files = upload(lang, t(lang, "train.files"), ["npy"], key="tr_files",
                       accept_multiple_files=True)  # fmt: skip
        arrays = {}
        for file in files or []:
            word = file.name.rsplit(".", 1)[0]
            if CATEGORY.match(word):
                arrays[word] = file.getvalue()
            else:  # the name becomes a label every student sees: letters only
                st.error(t(lang, "train.bad_file_name", file=escape_markdown(file.name)))
        words = list(arrays)

        def fetch(word: str, count: int) -> np.ndarray:
            try:
                return read_npy_bitmaps(arrays[word], count)
            except FormatError as err:
                raise FormatError(f"{word}.npy: {err}") from None

    left, middle, right = st.columns(3)
    per_class = left.slider(t(lang, "train.per_class"), PER_CLASS_RANGE[0], PER_CLASS_RANGE[1],
                            1000, 100, key="tr_per_class")  # fmt: skip
    epochs = middle.slider(t(lang, "train.epochs"), 1, 10, TrainingConfig.epochs, key="tr_epochs")
    seed = right.number_input(t(lang, "train.seed"), 0, 9999, 0, key="tr_seed")
    if not CLASSES_RANGE[0] <= len(words) <= CLASSES_RANGE[1]:
        st.info(t(lang, "train.need_words", low=CLASSES_RANGE[0], high=CLASSES_RANGE[1]))
        return None
    return TrainingConfig(tuple(words), per_class, epochs, int(seed)), fetch


def start_training(
    lang: str, config: TrainingConfig, fetch: Callable[[str, int], np.ndarray]
) -> None:
    """Fetch the bitmaps (once per choice), then queue the training in a worker process."""
    key = ("bitmaps", st.session_state.get("tr_source"), config.words, config.per_class)
    data = shared_results().get(key) if key[1] == "bucket" else None
    if data is None:
        bar = st.progress(0.0, text=t(lang, "train.loading", done=0, total=len(config.words)))

        def loaded(done: int, total: int) -> None:
            bar.progress(done / total, text=t(lang, "train.loading", done=done, total=total))

        try:
            data = load_bitmaps(config.words, config.per_class, fetch, loaded)
        except QuickDrawError as err:
            st.error(t(lang, err.message_key, word=", ".join(config.words)))
            return
        except FormatError as err:
            st.error(t(lang, "train.bad_file", detail=escape_markdown(str(err))))
            return
        finally:
            bar.empty()
        problem = getattr(getattr(fetch, "__self__", None), "cache_problem", None)
        if problem:  # the drawings came, but the server could not keep a copy
            st.warning(t(lang, f"quickdraw.cache_{problem}"))
        if key[1] == "bucket":
            shared_results().put(key, data)
    images, labels = data
    trainings = shared_trainings()
    try:
        with st.spinner(t(lang, "train.training")):  # the first start of the worker takes seconds
            job = trainings.submit(config, images, labels)
    except TrainingRefused as err:
        st.error(t(lang, "train.refused", needed=err.needed_mb, budget=err.budget_mb))
        return
    st.session_state[JOB] = TrainingTicket(trainings, job)
    st.session_state.pop(RESULT, None)  # what is shown below is always this run's


class TrainingTicket:
    """A session's training. When the session ends, Streamlit drops its state and with it this
    ticket: the training is then stopped and what it holds is freed."""

    def __init__(self, trainings: TrainingQueue, job: int) -> None:
        self.job = job
        weakref.finalize(self, trainings.forget, job)


def training_active() -> bool:
    """Whether this session has a training queued or running."""
    ticket = st.session_state.get(JOB)
    view = shared_trainings().view(ticket.job) if ticket else None
    return view is not None and view.state in ACTIVE


def stop_training() -> None:
    """Leave the queue, or stop the running training after its current step."""
    ticket = st.session_state.get(JOB)
    if ticket is not None:
        shared_trainings().stop(ticket.job)


# How often a training's place in the line, or its progress, is shown anew.
PROGRESS_EVERY = 1.0


def follow_training(lang: str) -> None:
    """While the session's training waits or runs: its place in the queue, or a progress bar
    and live curves, redrawn every second by a fragment (the rest of the page is the student's
    to read meanwhile, and no script thread waits on the training). Once it ends, its model
    becomes the result shown below."""
    ticket = st.session_state.get(JOB)
    if ticket is None:
        return
    trainings = shared_trainings()
    view = trainings.view(ticket.job)
    if view is not None and view.state in ACTIVE:
        _progress(lang)
        return
    del st.session_state[JOB]
    if view is None:
        return
    trainings.forget(ticket.job)
    if view.result is not None:
        st.session_state[RESULT] = trainings.held.hold(view.result)
    if view.state == JobState.STOPPED:
        st.warning(t(lang, "train.stopped", epoch=len(view.history)))
    elif view.state == JobState.LEFT:
        st.info(t(lang, "train.left"))
    elif view.state == JobState.FAILED:
        st.error(t(lang, "train.failed", detail=escape_markdown(view.error)))
    if view.state == JobState.DONE and view.result is not None:
        runs = st.session_state.setdefault(RUNS, [])
        runs.append({"per_class": view.result.config.per_class,
                     "accuracy": view.result.validation_accuracy,
                     "classes": len(view.result.config.words)})  # fmt: skip


@st.fragment(run_every=PROGRESS_EVERY)
def _progress(lang: str) -> None:
    ticket = st.session_state.get(JOB)
    view = shared_trainings().view(ticket.job) if ticket is not None else None
    if view is None or view.state not in ACTIVE:
        st.rerun()  # the whole page: the training's result, its buttons as they are after it
    if view.state == JobState.QUEUED:
        st.info(t(lang, "train.queued", position=view.position, seconds=round(view.wait_seconds)))
    elif view.total_steps:
        text = t(lang, "train.step", done=view.step, total=view.total_steps)
        st.progress(view.step / view.total_steps, text=text)
    else:
        st.progress(0.0, text=t(lang, "train.training"))
    if view.history:
        show_chart(lang, st, _curves(lang, view.history), key="tr_live",
                   alt=_curves_said(lang, view.history))  # fmt: skip


def _curves_said(lang: str, history) -> str:
    last = history[-1]
    return chart_text.learning(lang, len(history), last.validation_loss, last.validation_accuracy)


def _curves_table(lang: str, history) -> pd.DataFrame:
    """The learning curves' points, one row per epoch."""
    names = (t(lang, "train.train_set"), t(lang, "train.validation_set"))
    loss, accuracy = t(lang, "train.loss"), t(lang, "train.accuracy")
    return pd.DataFrame([
        {t(lang, "train.epoch"): s.epoch,
         f"{loss} · {names[0]}": number(lang, s.train_loss, 3),
         f"{loss} · {names[1]}": number(lang, s.validation_loss, 3),
         f"{accuracy} · {names[0]}": percent(lang, s.train_accuracy, 1),
         f"{accuracy} · {names[1]}": percent(lang, s.validation_accuracy, 1)}
        for s in history
    ])  # fmt: skip


def _curves(lang: str, history):
    titles = (t(lang, "train.loss"), t(lang, "train.accuracy"))
    names = (t(lang, "train.train_set"), t(lang, "train.validation_set"))
    return learning_curves(history, titles, names, t(lang, "train.epoch"))


def show_result(lang: str) -> None:
    """Accuracy, curves, confusion matrix, the most confused pairs and misclassified drawings."""
    result: TrainingResult | None = st.session_state.get(RESULT)
    if result is None:
        return
    words = result.config.words
    shown_words = [word_in(lang, word) for word in words]
    columns = st.columns(3)
    columns[0].metric(
        t(lang, "train.validation_accuracy"), percent(lang, result.validation_accuracy, 1)
    )
    columns[1].metric(
        t(lang, "train.epochs_done"), f"{len(result.history)} / {result.config.epochs}"
    )
    columns[2].metric(
        t(lang, "train.seconds"),
        t(lang, "quickdraw.seconds_value", seconds=round(result.history[-1].seconds)),
    )
    show_chart(lang, st, _curves(lang, result.history), key="tr_curves",
               alt=_curves_said(lang, result.history),
               table=_curves_table(lang, result.history))  # fmt: skip
    counts = confusion_matrix(result.validation_labels, result.validation_predictions, len(words))
    axes = (t(lang, "train.truth"), t(lang, "train.predicted"))
    matrix = pd.DataFrame(counts, index=shown_words, columns=shown_words)
    matrix.index.name = f"{axes[0]} ↓ · {axes[1]} →"  # rows: the truth
    show_chart(lang, st, confusion_heatmap(counts, shown_words, axes), key="tr_confusion",
               alt=chart_text.confusion(lang, counts, shown_words),
               table=matrix.reset_index())  # fmt: skip
    pairs = most_confused(counts, words)
    if pairs:
        st.subheader(t(lang, "train.confused_title"))
        for truth, guess, count in pairs:
            mask = (result.validation_labels == words.index(truth)) & (
                result.validation_predictions == words.index(guess)
            )
            examples = [255 - image for image in result.validation_images[mask][:8]]
            names = {"truth": word_in(lang, truth), "guess": word_in(lang, guess)}
            # one line for the row: a caption under each 56-pixel drawing broke mid-word
            st.markdown(t(lang, "train.confused", **names))
            alt = t(lang, "train.confused_alt", **names)
            st.image(examples, width=56, alt=[alt] * len(examples))
            st.caption(tn(lang, "train.confused_count", count, **names))


def runs_chart(lang: str) -> None:
    """Validation accuracy against drawings per category, over this session's runs."""
    runs = st.session_state.get(RUNS, [])
    if len(runs) > 1:
        st.subheader(t(lang, "train.runs_title"))
        figure = accuracy_by_data(
            runs, t(lang, "train.per_class"), t(lang, "train.validation_accuracy")
        )
        table = pd.DataFrame([
            {t(lang, "train.per_class"): r["per_class"], t(lang, "train.col_classes"): r["classes"],
             t(lang, "train.validation_accuracy"): percent(lang, r["accuracy"], 1)}
            for r in runs
        ])  # fmt: skip
        said = t(lang, "charts.runs", count=len(runs))
        show_chart(lang, st, figure, key="tr_runs_chart", alt=said, table=table)
