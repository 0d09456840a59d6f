"""The Streamlit widgets every page shares. Each returns the user's choice; keys are stable.

Texts come from the catalogues (`core.i18n.t`); nothing typed by a user is rendered as HTML,
and what ends up in Markdown is escaped.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitDuplicateElementKey

from core.config import settings
from core.i18n import LANGUAGES, language_from_locale, t
from core.models.loader import LoadedModel
from core.models.model_ref import RETRYABLE, ModelError, ModelRef, validate_model_id
from core.models.registry import MODELS, SAMPLE_PHOTOS, TASKS, models_for
from core.tasks.classification import ClassificationResult
from core.tasks.image_input import (
    UPLOAD_EXTENSIONS,
    ImageInputError,
    InputImage,
    image_digest,
    read_image,
    sample_photo,
)
from core.ui.shared import shared_models, shared_results

LANG_KEY = "lang"  # the language chosen, kept across pages (widget state is per page)
Result = TypeVar("Result")


def escape_markdown(text: str) -> str:
    """Text a user typed, safe to put inside Markdown."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~])", r"\\\1", text)[:120]


def _remember_language() -> None:
    st.session_state[LANG_KEY] = st.session_state["lang_choice"]


def page_start(title_key: str, icon: str) -> str:
    """Set up a page (tab title, wide layout, the sidebar language selector); returns the language.

    The language lives under its own key, not the widget's, because Streamlit forgets a widget's
    state on a page that does not draw it; this keeps the choice while moving between pages.
    """
    if LANG_KEY not in st.session_state:
        st.session_state[LANG_KEY] = language_from_locale(st.context.locale)
    lang = st.session_state[LANG_KEY]
    st.set_page_config(page_title=t(lang, title_key), page_icon=icon, layout="wide")
    st.session_state["lang_choice"] = lang
    st.sidebar.selectbox(
        "🌐 Idioma · Language",
        options=list(LANGUAGES),
        format_func=LANGUAGES.get,
        key="lang_choice",
        on_change=_remember_language,
    )
    return lang


def image_picker(lang: str, prefix: str, task: str) -> InputImage | None:
    """Sample photo, upload or camera; shows errors in the student's language.

    Large JPEGs are decoded only as large as the task's models need (`TaskSpec.input_side`)."""
    sources = ["sample", "upload", "camera"]
    source = st.radio(
        t(lang, "input.source"),
        sources,
        format_func=lambda s: t(lang, f"input.{s}"),
        horizontal=True,
        key=f"{prefix}_source",
    )
    if source == "sample":
        return sample_gallery(lang, prefix)
    if source == "upload":
        file = st.file_uploader(
            t(lang, "input.upload_label", limit=settings().max_upload_mb),
            type=UPLOAD_EXTENSIONS,
            key=f"{prefix}_upload",
        )
        hint = "input.upload_hint"
    else:
        file = st.camera_input(t(lang, "input.camera_label"), key=f"{prefix}_camera")
        hint = "input.camera_hint"
    if file is None:
        st.info(t(lang, hint))
        return None
    data = file.getvalue()
    name = file.name or f"{source}.jpg"
    # Decoding a 12-megapixel JPEG costs more than the rest of a rerun: decode once per content.
    side = TASKS[task].input_side
    key = ("image", image_digest(data), source, name, side)
    try:
        return shared_results().get_or_compute(
            key, lambda: read_image(data, source=source, name=name, draft_side=side)
        )
    except ImageInputError as err:
        limits = settings()
        limit = limits.max_upload_mb if err.reason == "too_big_file" else None
        limit = limit or round(limits.max_image_pixels / 1e6)
        st.error(t(lang, f"input.error.{err.reason}", detail=err.detail, limit=limit))
        return None


def sample_gallery(lang: str, prefix: str) -> InputImage:
    """Thumbnails of the sample photos and a choice among them."""
    columns = st.columns(len(SAMPLE_PHOTOS))
    for column, sample in zip(columns, SAMPLE_PHOTOS):
        thumbnail = sample_photo(sample.id).image.copy()
        thumbnail.thumbnail((160, 160))
        column.image(thumbnail, caption=t(lang, f"samples.{sample.id}"))
    chosen = st.radio(
        t(lang, "input.sample_pick"),
        [sample.id for sample in SAMPLE_PHOTOS],
        format_func=lambda s: t(lang, f"samples.{s}"),
        horizontal=True,
        key=f"{prefix}_sample",
    )
    return sample_photo(chosen)


def show_input(lang: str, image: InputImage) -> None:
    """The image as the model receives it, with its size."""
    width, height = image.image.size
    label = t(lang, f"samples.{image.name}") if image.source == "sample" else image.name
    st.image(image.image, caption=t(lang, "input.caption", name=label, width=width, height=height))
    if image.drafted:
        original_width, original_height = image.original_size
        st.caption(
            t(
                lang,
                "input.drafted",
                width=width,
                height=height,
                original_width=original_width,
                original_height=original_height,
            )
        )


def model_picker(lang: str, task: str, prefix: str, multiple: bool = False) -> list[ModelRef]:
    """Registry models (several at once when `multiple`, to compare) or a custom Hub id.

    Models over a gigabyte are only returned once the student has read the warning and ticked
    the box (a download of minutes and seconds per image on a laptop CPU)."""
    specs = models_for(task)
    ids = [spec.id for spec in specs]

    def label(model_id: str) -> str:
        return t(lang, "models.option", model=model_id, size=MODELS[model_id].download_mb)

    if multiple:
        chosen = st.multiselect(t(lang, "models.pick_many"), ids, default=[ids[0]],
                                format_func=label, key=f"{prefix}_models")  # fmt: skip
    else:
        chosen = [st.selectbox(t(lang, "models.pick_one"), ids, format_func=label,
                               key=f"{prefix}_model")]  # fmt: skip
    refs = [ModelRef(m, task, MODELS[m].revision) for m in chosen]
    typed = st.text_input(
        t(lang, "models.custom", task=t(lang, f"tasks.{task}.name").lower()),
        placeholder=t(lang, f"models.custom_placeholder.{task}"),
        help=t(lang, "models.custom_help"),
        key=f"{prefix}_custom",
    )
    if typed.strip():
        try:
            custom = ModelRef(validate_model_id(typed), task)
            refs = [*refs, custom] if multiple and custom not in refs else [custom]
        except ModelError as err:
            show_model_error(lang, err, task)
    confirmed = []
    for ref in refs:
        spec = MODELS.get(ref.id)
        if spec is not None and spec.heavy:
            st.warning(t(lang, "models.heavy", model=ref.id, size=spec.download_mb))
            if not st.checkbox(t(lang, "models.heavy_ok"), key=f"{prefix}_heavy_{ref.id}"):
                continue
        confirmed.append(ref)
    if not refs:
        st.info(t(lang, "models.none"))
    return confirmed


def show_model_error(lang: str, err: ModelError, task: str) -> None:
    """The cause and the fix, naming the model, in the student's language; a button to try
    again when a new try may work (the network is back, the server answers again)."""
    st.error(
        t(
            lang,
            f"models.error.{err.reason}",
            model=escape_markdown(err.model_id),
            detail=escape_markdown(err.detail),
            task=task,
        )
    )
    if err.reason in RETRYABLE:
        retry_button(lang, f"retry_{task}_{err.model_id}")


def retry_button(lang: str, key: str) -> None:
    """ "Try again": the click reruns the page, and failures are never cached, so what failed
    is fetched or run anew (what a download already saved is kept)."""
    with contextlib.suppress(StreamlitDuplicateElementKey):  # one button per failure and page
        st.button(t(lang, "app.retry"), key=key, icon=":material/refresh:")


def load_model(lang: str, ref: ModelRef) -> LoadedModel:
    """The shared model for `ref`, with a progress bar while it downloads; raises ModelError."""
    spec = MODELS.get(ref.id)
    bar = st.empty()
    context = _script_context()

    def report(done: int, total: int, filename: str) -> None:
        _attach(context)  # downloads report from worker threads
        text = t(
            lang,
            "models.downloading",
            model=ref.id,
            done=done // 2**20,
            total=max(total // 2**20, 1),
            file=filename,
        )
        bar.progress(min(done / total, 1.0), text=text)

    try:
        with st.spinner(t(lang, "models.loading", model=ref.id)):
            expected = spec.download_mb * 2**20 if spec else 0
            return shared_models().get(ref, report, expected_bytes=expected)
    finally:
        bar.empty()


def run_cached(
    lang: str,
    ref: ModelRef,
    image: InputImage,
    compute: Callable[..., Result],
    *options: Hashable,
) -> Result | None:
    """`compute(model, image, *options)` once per (model, image, computation, options), even
    when a whole class asks at the same moment (the others wait for that one computation);
    errors are shown in the student's language, not raised."""
    key = ("result", ref, image.digest, compute.__module__, compute.__qualname__, options)
    try:
        return shared_results().get_or_compute(
            key, lambda: compute(load_model(lang, ref), image.image, *options)
        )
    except ModelError as err:
        show_model_error(lang, err, ref.task)
        return None


def models_table(lang: str, task: str) -> pd.DataFrame:
    """The registry's facts on a task's models, with column names in the student's language."""
    rows = [
        {
            t(lang, "models.col_model"): spec.id,
            t(lang, "models.col_architecture"): spec.architecture,
            t(lang, "models.col_training"): spec.training_data,
            t(lang, "models.col_params"): spec.params_millions,
            t(lang, "models.col_download"): spec.download_mb,
            t(lang, "models.col_licence"): spec.licence,
            t(lang, "models.col_note"): t(lang, f"model_note.{spec.id}"),
        }
        for spec in models_for(task)
    ]
    return pd.DataFrame(rows)


def comparison_table(lang: str, results: list[ClassificationResult]) -> pd.DataFrame:
    """One row per model: its top class, that class's probability and the time it took."""
    return pd.DataFrame(
        [
            {
                t(lang, "models.col_model"): result.model_id,
                t(lang, "classification.col_top"): result.predictions[0].label,
                t(lang, "classification.col_score"): f"{result.predictions[0].score:.1%}",
                t(lang, "classification.col_seconds"): round(result.seconds, 3),
            }
            for result in results
        ]
    )


def _script_context() -> Any:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    return get_script_run_ctx()


def _attach(context: Any) -> None:
    from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

    if context is not None and get_script_run_ctx() is None:
        add_script_run_ctx(threading.current_thread(), context)
