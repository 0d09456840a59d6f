"""Errors shown to a student: the cause and the fix in their language, and "Try again"."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitDuplicateElementKey

from core.i18n import t
from core.models.model_ref import RETRYABLE, ModelError
from core.models.registry import TASKS
from core.ui.widgets import escape_markdown


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


# The MIME types that go with the extensions the app takes (`application/x-…` where none is
# registered): see `upload`.
_MIME_TYPES = {
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp",
    "bmp": "image/bmp", "tif": "image/tiff", "tiff": "image/tiff", "gif": "image/gif",
    "ndjson": "application/x-ndjson",
}  # fmt: skip


def upload(lang: str, label: str, kinds: Sequence[str], key: str, **options: Any) -> Any:
    """`st.file_uploader` for files ending in one of `kinds`; any other file is answered with
    the page's own message and left out (`None`, or the list without it).

    The picker offers only `kinds`, but any client can post any file. Given extensions alone,
    Streamlit checks a posted file itself, before the page runs, and shows its own English
    exception box ("Invalid file extension"). Given their MIME types too (the browser's picker
    filters the same), it leaves that check to the page, which is done here."""
    mime_types = dict.fromkeys(_MIME_TYPES.get(kind, f"application/x-{kind}") for kind in kinds)
    files = st.file_uploader(label, type=[*kinds, *mime_types], key=key, **options)
    several = isinstance(files, list)
    given = files if several else [files] if files is not None else []
    kept = [f for f in given if "." in f.name and f.name.rsplit(".", 1)[1].lower() in kinds]
    for refused in (f for f in given if f not in kept):
        types = ", ".join(f".{kind}" for kind in kinds)
        st.error(t(lang, "input.wrong_type", file=escape_markdown(refused.name), types=types))
    return kept if several else (kept[0] if kept else None)
