"""The widgets pages share, written the student's way: charts with their accessible name and
their data as a table, decimal sliders, multiselects, and text a user typed made safe for
Markdown."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import streamlit as st

from core.i18n import number, separators, t, tn


def escape_markdown(text: str, limit: int = 120) -> str:
    """Text a user typed (or a library's message), safe to put inside Markdown: at most `limit`
    characters, a longer text cut with "…" (before escaping: a cut never splits an escape)."""
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~])", r"\\\1", shown)


def show_chart(
    lang: str, where: Any, figure: Any, *, alt: str, table: Any = None, **options: Any
) -> Any:
    """`where.plotly_chart(figure)` (`where`: `st`, a column, a placeholder) with the numbers
    plotly writes (ticks, hover values) in the student's way: "0,5" in Spanish.

    `alt` says what the chart shows, from its data (`core.tasks.chart_text`): its accessible
    name for a screen reader. `table` (a DataFrame), when the chart holds more than `alt` can
    say, follows it in an expander: the chart's data for a keyboard, a screen reader or a
    student who wants the exact numbers."""
    if figure.layout.separators != separators(lang):  # a shared chart already has them
        figure.update_layout(separators=separators(lang))
    # No plotly toolbar: its buttons are named in English, and on a phone it covers the chart's
    # labels. Dragging still zooms, a double click still resets.
    options["config"] = {"displayModeBar": False, **options.get("config", {})}
    shown = where.plotly_chart(figure, alt=alt, **options)
    if table is not None:
        with where.expander(t(lang, "charts.data"), icon=":material/table:"):
            st.dataframe(table, hide_index=True)
    return shown


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


def pick_many(
    lang: str,
    label: str,
    options: Any,
    key: str,
    most: int | None = None,
    where: Any = st,
    **choices: Any,
) -> list:
    """`where.multiselect`, in the student's language where Streamlit writes its own English:
    the empty box's invitation ("Choose options") and its refusal past a maximum ("You can
    only select up to 4 options"). Past `most` choices, the first `most` are used, as said."""
    chosen = where.multiselect(label, options, key=key, placeholder=t(lang, "app.choose_many"),
                               **choices)  # fmt: skip
    if most is not None and len(chosen) > most:
        where.warning(tn(lang, "app.too_many", most))
        chosen = chosen[:most]
    return chosen
