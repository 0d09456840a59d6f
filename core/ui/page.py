"""Starting a page: its tab title and icon, wide layout, and the student's language."""

from __future__ import annotations

import re

import streamlit as st

from core.i18n import LANGUAGES, language_from_locale, t
from core.models.registry import page_icon

LANG_KEY = "lang"  # the language chosen, kept across pages (widget state is per page)


def escape_markdown(text: str) -> str:
    """Text a user typed, safe to put inside Markdown."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~])", r"\\\1", text)[:120]


def _remember_language() -> None:
    st.session_state[LANG_KEY] = st.session_state["lang_choice"]


def page_start(title_key: str) -> str:
    """Set up a page (tab title and its registry icon, wide layout, the sidebar language
    selector); returns the language.

    The language lives under its own key, not the widget's, because Streamlit forgets a widget's
    state on a page that does not draw it; this keeps the choice while moving between pages.
    """
    if LANG_KEY not in st.session_state:
        st.session_state[LANG_KEY] = language_from_locale(st.context.locale)
    lang = st.session_state[LANG_KEY]
    st.set_page_config(page_title=t(lang, title_key), page_icon=page_icon(title_key), layout="wide")
    st.session_state["lang_choice"] = lang
    st.sidebar.selectbox(
        "🌐 Idioma · Language",
        options=list(LANGUAGES),
        format_func=LANGUAGES.get,
        key="lang_choice",
        on_change=_remember_language,
    )
    return lang
