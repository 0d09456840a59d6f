"""The parts of a page that teach around the results: what the training data contains, what a
model cannot do (shown with a run, not told), questions to check understanding, and where to
read further on the Hub. Every text lives in the catalogues."""

from __future__ import annotations

import streamlit as st

from core.i18n import catalogue, percent, t
from core.models.model_ref import ModelRef
from core.models.registry import DOGS_AND_CATS, MODELS, OTHER_PAGES, TASKS, TaskSpec
from core.tasks.image_input import sample_photo
from core.ui.pickers import WIDEST_SHOWN, shown_image
from core.ui.runs import run_cached

HUB = "https://huggingface.co"
CLOSED_SET_PHOTO = "rocket"  # no animal: what can a dogs-or-cats model answer?
# The pages of the lesson's classification of drawings, by their titles in the catalogues.
DRAWING_PAGES = ("quickdraw.name", "train.name", "pictionary.name")


def questions(lang: str, page: str) -> list[tuple[str, str]]:
    """The page's questions and their expected observations, in catalogue order."""
    texts = catalogue(lang)
    prefix = f"questions.{page}."
    numbers = sorted(
        {key[len(prefix) :].split(".")[0] for key in texts if key.startswith(prefix)}, key=int
    )
    return [(texts[f"{prefix}{n}.question"], texts[f"{prefix}{n}.answer"]) for n in numbers]


def check_understanding(lang: str, page: str) -> None:
    """Questions tied to what the student just did, each answer revealed on demand."""
    st.header(t(lang, "lesson.questions_title"))
    for number, (question, answer) in enumerate(questions(lang, page), start=1):
        st.markdown(f"**{number}.** {question}")
        with st.expander(t(lang, "lesson.reveal")):
            st.markdown(answer)


def datasets(lang: str, task: TaskSpec) -> None:
    """What the task's training sets contain, and why a model names only their classes."""
    st.header(t(lang, "lesson.datasets_title"))
    st.markdown(t(lang, f"{task.lesson}.datasets"))
    if task.names_classes:  # depth models answer with numbers, not names
        st.caption(t(lang, "lesson.labels_in_english"))


def further(lang: str, task: TaskSpec) -> None:
    """The task's page on Hugging Face Tasks, every Hub model for it, and the models' cards."""
    st.header(t(lang, "lesson.further_title"))
    name = t(lang, f"tasks.{task.id}.name")
    links = [
        (t(lang, "lesson.tasks_page", task=name), f"{HUB}/tasks/{task.id}"),
        (t(lang, "lesson.all_models", task=name), f"{HUB}/models?pipeline_tag={task.id}"),
    ]
    if task.guide:
        guide = f"{HUB}/docs/transformers/tasks/{task.guide}"
        links.append((t(lang, "lesson.task_guide", task=name), guide))
    for label, url in links:
        st.link_button(label, url, icon=":material/open_in_new:")
    if task.datasets:
        sets = " · ".join(f"[{d}]({HUB}/datasets/{d})" for d in task.datasets)
        st.markdown(t(lang, "lesson.datasets_on_hub", datasets=sets))
    cards = " · ".join(f"[{m.id}]({m.card_url})" for m in MODELS.values() if m.task == task.id)
    st.markdown(t(lang, "lesson.model_cards", cards=cards))


def closed_set(lang: str) -> None:
    """The dogs-and-cats model shown a photo with no animal: it still answers dog or cat."""
    st.header(t(lang, "lesson.limits_title"))
    st.markdown(t(lang, "lesson.closed_set_text"))
    if st.toggle(t(lang, "lesson.closed_set_run"), key="cls_closed_set"):
        photo = sample_photo(CLOSED_SET_PHOTO)
        left, right = st.columns([1, 2])
        picture = shown_image(photo, WIDEST_SHOWN)
        name = t(lang, f"samples.{CLOSED_SET_PHOTO}")
        left.image(picture, caption=name, alt=name)
        result = run_cached(lang, ModelRef(DOGS_AND_CATS, TASKS["image-classification"].id), photo)
        if result is not None:
            best = result.predictions[0]
            label = t(lang, f"pictionary.label_{best.label}")
            right.markdown(
                t(lang, "lesson.closed_set_answer", label=label, score=percent(lang, best.score, 1))
            )
    st.markdown(t(lang, "lesson.limits_text"))


def drawing_pages(lang: str) -> None:
    """The lesson's order: Quick, Draw! and Pictionary are image classification, of drawings."""
    st.header(t(lang, "classification.links.title"))
    st.markdown(t(lang, "classification.links.text"))
    for spec in (page for page in OTHER_PAGES if page.title in DRAWING_PAGES):
        section = spec.title.removesuffix(".name")  # "quickdraw.name" → quickdraw
        st.page_link(spec.page, label=t(lang, f"classification.links.{section}"), icon=spec.icon)


def part_of_classification(lang: str) -> None:
    """On the drawing pages: where they sit in the lesson, with a way back, on one line (a
    phone wraps it), so the canvas below still fits a laptop's first screen."""
    task = TASKS["image-classification"]
    name = t(lang, f"tasks.{task.id}.name")
    with st.container(horizontal=True, vertical_alignment="center", gap="small",
                      key="part_of_classification"):  # fmt: skip
        st.caption(t(lang, "lesson.part_of_classification"), width="content")
        st.page_link(task.page, label=t(lang, "home.open_page", page=name), icon=task.icon,
                     width="content")  # fmt: skip
