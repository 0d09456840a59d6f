"""From a page to the backend and the shared caches: each result computed once for the whole
class, by this process or by Ray Serve (`core/serving/backend.py`), with a progress bar while
a model downloads."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Hashable, Iterator
from typing import Any

import streamlit as st
from PIL import Image

from core.i18n import t
from core.models.hub_download import Progress
from core.models.model_ref import ModelError, ModelRef
from core.models.runner import reporting_place
from core.tasks.image_input import InputImage
from core.ui.error_messages import show_model_error
from core.ui.shared import shared_backend, shared_results


@contextlib.contextmanager
def _loading(lang: str, ref: ModelRef) -> Iterator[Progress]:
    """A spinner naming the model, and a progress bar while its files download (when this
    process loads it: a Serve replica downloads on its side)."""
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

    shown = ""

    def in_line(place: int, seconds: float) -> None:
        nonlocal shown
        # On the script's own thread: if the student has left or asked for something else,
        # Streamlit stops the script at the next update, and the call gives its place up
        # (the place changes whenever a call ahead is answered).
        key = "models.answering" if place == 1 else "models.in_line"
        text = t(lang, key, model=ref.id, place=place, seconds=max(1, round(seconds)))
        if text != shown:  # sent when it changes: a class waiting sends few messages
            bar.info(text)
            shown = text

    try:
        with st.spinner(t(lang, "models.loading", model=ref.id)), reporting_place(in_line):
            yield report
    finally:
        bar.empty()


def model_answer(lang: str, ref: ModelRef, image: Image.Image, *options: Hashable) -> Any:
    """The task's result for `image` from the backend (this process or Ray Serve), with the
    model's download shown; raises ModelError."""
    with _loading(lang, ref) as report:
        return shared_backend().run(ref, image, options, report)


def model_labels(lang: str, ref: ModelRef) -> tuple[str, ...]:
    """The classes a classifier knows, from the backend; raises ModelError."""
    with _loading(lang, ref) as report:
        return shared_backend().labels(ref, report)


def run_cached(lang: str, ref: ModelRef, image: InputImage, *options: Hashable) -> Any | None:
    """The task's result for (model, image, options), computed once even when a whole class
    asks at the same moment (the others wait for that one computation); errors are shown in
    the student's language, not raised."""
    key = ("result", ref, image.digest, options)
    try:
        return shared_results().get_or_compute(
            key, lambda: model_answer(lang, ref, image.image, *options)
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
