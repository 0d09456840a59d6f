"""Starting a page: its tab title and icon, wide layout, and the student's language."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from core.i18n import LANGUAGES, language_from_locale, number, separators, t
from core.models.registry import HOME, all_pages, page_icon

LANG_KEY = "lang"  # the language chosen, kept across pages (widget state is per page)


def escape_markdown(text: str) -> str:
    """Text a user typed, safe to put inside Markdown."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~])", r"\\\1", text)[:120]


def _remember_language() -> None:
    st.session_state[LANG_KEY] = st.session_state["lang_choice"]


def student_language() -> str:
    """The language chosen in the sidebar, or on a first visit the browser's."""
    if LANG_KEY not in st.session_state:
        st.session_state[LANG_KEY] = language_from_locale(st.context.locale)
    return st.session_state[LANG_KEY]


def navigation() -> StreamlitPage:
    """The sidebar's pages, titled in the student's language (Streamlit would otherwise title
    them with the files' English names); run what it returns to draw the page chosen."""
    lang = student_language()
    pages = [
        st.Page(spec.page, title=t(lang, spec.title), icon=spec.icon, default=spec is HOME)
        for spec in all_pages()
    ]
    return st.navigation(pages)


def page_start(title_key: str) -> str:
    """Set up a page (tab title and its registry icon, wide layout, the sidebar language
    selector); returns the language.

    The language lives under its own key, not the widget's, because Streamlit forgets a widget's
    state on a page that does not draw it; this keeps the choice while moving between pages.
    """
    lang = student_language()
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


def show_chart(lang: str, where: Any, figure: Any, **options: Any) -> Any:
    """`where.plotly_chart(figure)` (`where`: `st`, a column, a placeholder) with the numbers
    plotly writes (ticks, hover values) in the student's way: "0,5" in Spanish."""
    figure.update_layout(separators=separators(lang))
    return where.plotly_chart(figure, **options)


def decimal_slider(
    lang: str,
    label: str,
    bounds: tuple[float, float],
    value: float,
    step: float,
    key: str,
    where: Any = st,
) -> float:
    """A slider over decimals that writes them the student's way ("0,50" in Spanish: Streamlit's
    own slider always writes a point), with the catalogue's `label`."""
    count = round((bounds[1] - bounds[0]) / step)
    options = [round(bounds[0] + index * step, 6) for index in range(count + 1)]
    decimals = max(0, -Decimal(str(step)).as_tuple().exponent)
    return where.select_slider(label, options, value=value, key=key,
                               format_func=lambda v: number(lang, v, decimals))  # fmt: skip
