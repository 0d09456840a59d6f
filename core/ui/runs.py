"""From a page to the shared caches: a model loaded once for every session, with a progress
bar while it downloads, and each result computed once for the whole class."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import streamlit as st

from core.i18n import t
from core.models.loader import LoadedModel
from core.models.model_ref import ModelError, ModelRef
from core.models.registry import MODELS
from core.tasks.image_input import InputImage
from core.ui.error_messages import show_model_error
from core.ui.shared import shared_models, shared_results

Result = TypeVar("Result")


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


def _script_context() -> Any:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    return get_script_run_ctx()


def _attach(context: Any) -> None:
    from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

    if context is not None and get_script_run_ctx() is None:
        add_script_run_ctx(threading.current_thread(), context)
