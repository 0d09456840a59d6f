"""The skeleton every vision-task page shares, read from the task's registry entry.

A task page is: `start` (tab, title, definition), `choose_input_and_models` (the image and the
models), then for each model `run_model` (its name linked to its card, the run, shared by the
class) with `run_caption` and `code_expander`, then the lesson's sections and `models_section`.
What a page adds between them is only what is particular to its task.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.i18n import t
from core.models.model_ref import ModelRef
from core.models.registry import TASKS, TaskSpec
from core.tasks.code_snippets import steps_code, task_code
from core.tasks.image_input import InputImage
from core.ui import lesson_views
from core.ui.page import page_start
from core.ui.pickers import ChosenModels, image_picker, model_picker
from core.ui.runs import run_cached
from core.ui.tables import models_table
from core.ui.widgets import escape_markdown


def start(task_id: str) -> tuple[TaskSpec, str]:
    """Set up the page of a task (its name and icon as the registry declares them) with its
    title and definition; returns the task and the student's language."""
    task = TASKS[task_id]
    name = f"tasks.{task.id}.name"
    lang = page_start(name)
    st.title(f"{task.icon} {t(lang, name)}")
    st.markdown(t(lang, f"{task.lesson}.definition"))
    return task, lang


def choose_input_and_models(
    lang: str, task: TaskSpec, prefix: str, multiple: bool = False
) -> tuple[InputImage | None, ChosenModels]:
    """ "1 · The image" and "2 · The model": the student's choices (widget keys start with
    `prefix`)."""
    return choose_input(lang, task, prefix), choose_models(lang, task, prefix, multiple)


def choose_input(lang: str, task: TaskSpec, prefix: str) -> InputImage | None:
    """ "1 · The image": a sample photo, an upload or the camera."""
    st.subheader(t(lang, "input.title"))
    return image_picker(lang, prefix, task.id)


def choose_models(
    lang: str, task: TaskSpec, prefix: str, multiple: bool = False, title: str = "models.title"
) -> ChosenModels:
    """ "2 · The model" (or the page's `title`): the registry's models and a custom Hub id."""
    st.subheader(t(lang, title))
    return model_picker(lang, task.id, prefix, multiple=multiple)


def waiting_for_a_model(
    lang: str, chosen: ChosenModels, image: InputImage | None, where: Any
) -> None:
    """In the result's place, why there is no result yet when every model chosen is a big one
    waiting for the student's confirmation (an empty column would leave them guessing)."""
    if image is not None and chosen.waiting:
        where.info(t(lang, "models.waiting"))


def run_model(lang: str, task: TaskSpec, ref: ModelRef, image: InputImage, *options: Any) -> Any:
    """The model's name, linked to its card, then its result (the task's run function, computed
    once for the whole class); None after showing an error in the student's language."""
    st.markdown(f"**[{ref.id}]({ref.card_url})**")
    return run_cached(lang, ref, image, *options)


def run_caption(lang: str, result: Any, *facts: str) -> None:
    """What the page found (`facts`), then how long the run took and where."""
    run = result.run
    timing = t(lang, "task_page.seconds", seconds=run.seconds, device=run.device)
    st.caption(" · ".join([*facts, timing]))


def code_expander(
    lang: str,
    task: TaskSpec,
    ref: ModelRef,
    image: InputImage,
    *options: Any,
    expanded: bool = False,
    result: Any = None,
) -> None:
    """The Python that reproduces the result, with the page's image, model and options: with
    `pipeline()`, then (given the run's `result`) the same three steps written out."""
    title = t(lang, "task_page.code_title", model=escape_markdown(ref.id))  # one per model
    with st.expander(title, expanded=expanded):
        st.markdown(t(lang, "steps.code_pipeline"))
        st.code(
            task_code(ref, image, task.snippet(*options), lang), language="python", wrap_lines=True
        )  # no sideways scrolling a keyboard cannot reach
        if result is not None and result.run.auto_class:
            st.markdown(t(lang, "steps.code_steps"))
            named = dict(zip(task.steps.options, options))
            code = steps_code(ref, image, result.run.auto_class, task.steps, lang, **named)
            st.code(code, language="python", wrap_lines=True)


def lesson_section(lang: str, title_key: str, text_key: str) -> None:
    """A header and its text from the lesson."""
    st.header(t(lang, title_key))
    st.markdown(t(lang, text_key))


def applications(lang: str, task: TaskSpec) -> None:
    """Where the task is used."""
    lesson_section(lang, "task_page.applications_title", f"{task.lesson}.applications")


def lesson_end(lang: str, task: TaskSpec) -> None:
    """What every task page ends with: the training data, the models, further reading on the
    Hub, and questions to check understanding."""
    lesson_views.datasets(lang, task)
    models_section(lang, task)
    lesson_views.further(lang, task)
    lesson_views.check_understanding(lang, task.lesson)


def models_section(lang: str, task: TaskSpec) -> None:
    """The registry's facts on the task's models."""
    st.header(t(lang, "models.table_title"))
    # "medium": at "small" the column's own name was cut ("Ficha del m…") at 1280 pixels
    card = st.column_config.LinkColumn(display_text=t(lang, "models.card_link"), width="medium")
    narrow = ("models.col_params", "models.col_download", "models.col_licence")
    st.dataframe(
        models_table(lang, task.id),
        hide_index=True,
        column_config={
            t(lang, "models.col_card"): card,
            **{t(lang, key): st.column_config.TextColumn(width="small") for key in narrow},
            t(lang, "models.col_note"): st.column_config.TextColumn(width="large"),
        },
    )
