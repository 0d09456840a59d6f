"""Errors shown to a student: the cause and the fix in their language, and "Try again"."""

from __future__ import annotations

import contextlib

import streamlit as st
from streamlit.errors import StreamlitDuplicateElementKey

from core.i18n import t
from core.models.model_ref import RETRYABLE, ModelError
from core.models.registry import TASKS
from core.ui.page import escape_markdown


def show_model_error(lang: str, err: ModelError, task: str) -> None:
    """The cause and the fix, naming the model, in the student's language; a button to try
    again when a new try may work (the network is back, the server answers again)."""
    st.error(
        t(
            lang,
            err.message_key,
            model=escape_markdown(err.model_id),
            detail=escape_markdown(err.detail),
            task=task,
            task_name=t(lang, f"tasks.{task}.name").lower() if task in TASKS else task,
        )
    )
    if err.reason in RETRYABLE:
        retry_button(lang, f"retry_{task}_{err.model_id}")


def retry_button(lang: str, key: str) -> None:
    """ "Try again": the click reruns the page, and failures are never cached, so what failed
    is fetched or run anew (what a download already saved is kept)."""
    with contextlib.suppress(StreamlitDuplicateElementKey):  # one button per failure and page
        st.button(t(lang, "app.retry"), key=key, icon=":material/refresh:")
