"""What zero-shot classification adds to a page: the classes and the prompt the student writes,
and (in Pictionary) a model that never saw a doodle asked about the game's drawings."""

from __future__ import annotations

import hashlib
from functools import partial

import numpy as np
import streamlit as st
from PIL import Image

from core.i18n import t
from core.models.model_ref import ModelError, ModelRef
from core.models.registry import default_model
from core.quickdraw.formats import word_in
from core.tasks.zero_shot import MAX_CLASSES, PLACE, ZeroShotResult, written_classes
from core.ui.error_messages import show_model_error
from core.ui.runs import model_answer
from core.ui.shared import shared_results
from core.ui.widgets import escape_markdown

TASK = "zero-shot-image-classification"


def write_classes(lang: str) -> tuple[tuple[str, ...], str]:
    """The classes (separated by commas) and the prompt template the student writes, with the
    lesson's defaults in their language; says what is wrong with what they wrote."""
    text = st.text_area(
        t(lang, "zero_shot.classes", most=MAX_CLASSES),
        t(lang, "zero_shot.default_classes"),
        height=80,
        help=t(lang, "zero_shot.classes_help"),
        key="zs_classes",
    )
    template = st.text_input(
        t(lang, "zero_shot.template"),
        t(lang, "zero_shot.default_template"),
        help=t(lang, "zero_shot.template_help"),
        key="zs_template",
    ).strip()
    classes = written_classes(text)
    if not classes:
        st.warning(t(lang, "zero_shot.no_classes"))
    elif len(classes) == 1:
        st.info(t(lang, "zero_shot.one_class"))
    if template and PLACE not in template:
        st.info(t(lang, "zero_shot.no_place", template=escape_markdown(template)))  # as typed
    return classes, template


def ask_about_drawings(lang: str, drawings: list[tuple[np.ndarray, str]], words: list[str]):
    """Each drawing (a picture, its word) given to the zero-shot model that reads the student's
    language, with the game's words (in that language) as the classes: a model that never saw
    a Quick, Draw! doodle. Returns what it said of each, or None after showing an error."""
    ref = ModelRef(default_model(TASK, lang), TASK)
    classes = tuple(word_in(lang, word) for word in words)
    template = t(lang, "zero_shot.drawing_template")
    said: list[ZeroShotResult] = []
    for picture, _ in drawings:
        digest = hashlib.sha256(picture.tobytes()).hexdigest()[:16]
        key = ("result", ref, digest, classes, template, "drawing")
        answer = partial(
            model_answer,
            lang,
            ref,
            Image.fromarray(picture).convert("RGB"),
            classes,
            template,
            False,
        )
        try:
            said.append(shared_results().get_or_compute(key, answer))  # False: no step by step
        except ModelError as err:
            show_model_error(lang, err, TASK)
            return None
    return ref, said
