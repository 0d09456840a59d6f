"""The Quick, Draw! explorer's sections (Streamlit widgets over `core.quickdraw.formats*`)."""

from __future__ import annotations

from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.config import settings
from core.i18n import day, number, percent, t
from core.quickdraw.charts import (
    WORLD_SHAPES_URL,
    distribution,
    grid_figure,
    grid_picture,
    replay_figure,
    strokes_figure,
    world_map,
)
from core.quickdraw.formats import Drawing, simplify, word_in
from core.quickdraw.source import QuickDrawError, QuickDrawSource, read_upload
from core.quickdraw.stats import country_counts, country_name, drawings_table
from core.tasks import chart_text
from core.ui.error_messages import retry_button, upload
from core.ui.shared import shared_chart, shared_results
from core.ui.widgets import decimal_slider, pick_many, show_chart

GRID_MAX = 100  # thumbnails shown at once


def contents(drawings: list[Drawing]) -> tuple:
    """What a chart of `drawings` depends on, cheap to compare: their ids and sizes (a local
    file could hold other strokes under the same ids), category, and raw or not."""
    return (
        tuple((d.key_id, d.points) for d in drawings),
        tuple(d.word for d in drawings[:1]),
        any(d.timed for d in drawings),
    )


def load_drawings(lang: str, word: str, fmt: str, count: int) -> tuple[list[Drawing], int] | None:
    """The first `count` drawings of `word` from the bucket, once per (word, format, count):
    a rerun that only changes a filter neither downloads nor parses again."""
    key = ("quickdraw", word, fmt, count)
    cached = shared_results().get(key)
    if cached is not None:
        return cached
    config = settings()
    source = QuickDrawSource(config.quickdraw_url, config.quickdraw_cache, config.network_timeout)
    bar = st.progress(0.0, text=t(lang, "quickdraw.loading", word=word, done=0, total=count))

    def report(done: int, total: int) -> None:
        bar.progress(
            done / total, text=t(lang, "quickdraw.loading", word=word, done=done, total=total)
        )

    try:
        result = source.first_drawings(word, fmt, count, report)
    except QuickDrawError as err:
        st.error(t(lang, err.message_key, word=word))
        if err.reason in {"offline", "timeout"}:
            retry_button(lang, f"qd_retry_{word}_{fmt}_{count}")
        return None
    finally:
        bar.empty()
    if source.cache_problem:
        st.warning(t(lang, f"quickdraw.cache_{source.cache_problem}"))
    shared_results().put(key, result)
    return result


def uploaded_drawings(lang: str) -> tuple[list[Drawing], int] | None:
    """A local .ndjson or .bin file, the source that works without a network."""
    file = upload(lang, t(lang, "quickdraw.upload"), ["ndjson", "bin"], key="qd_upload")
    if file is None:
        st.info(t(lang, "quickdraw.upload_hint"))
        return None
    try:
        return read_upload(file.name, file.getvalue())
    except QuickDrawError as err:
        st.error(t(lang, err.message_key, word=file.name))
        return None


def filtered(lang: str, drawings: list[Drawing]) -> list[Drawing]:
    """Recognized or not, and countries, as the student chooses."""
    left, right = st.columns(2)
    choice = left.radio(t(lang, "quickdraw.recognized"), ["all", "yes", "no"], horizontal=True,
                        format_func=lambda c: t(lang, f"quickdraw.recognized_{c}"),
                        key="qd_recognized")  # fmt: skip
    countries = sorted({d.countrycode for d in drawings})
    chosen = pick_many(lang, t(lang, "quickdraw.countries"), countries, key="qd_countries",
                       where=right, format_func=lambda code: country_name(code, lang))  # fmt: skip
    return [
        d for d in drawings
        if (choice == "all" or d.recognized == (choice == "yes"))
        and (not chosen or d.countrycode in chosen)
    ]  # fmt: skip


def _picked_in_grid() -> None:
    """A click on a thumbnail sets the drawing number (the number box stays for keyboards)."""
    points = st.session_state["qd_grid"].selection.points
    if points:
        st.session_state["qd_pick"] = int(points[0]["customdata"])


def grid_and_details(lang: str, drawings: list[Drawing]) -> Drawing:
    """The thumbnails, numbered from 1, and the details of the one the student clicks."""
    shown = drawings[:GRID_MAX]
    picked = int(st.session_state.get("qd_pick", 1))  # framed in the grid
    if picked > len(shown):  # fewer drawings after a filter
        st.session_state["qd_pick"] = picked = 1
    picture = shared_chart(("grid_picture", contents(shown)), partial(grid_picture, shown))

    def grid() -> go.Figure:
        hover = [f"#{n} · {country_name(d.countrycode, lang)}" for n, d in enumerate(shown, 1)]
        return grid_figure(shown, hover, picked=picked, picture=picture)

    figure = shared_chart(("grid", lang, contents(shown), picked), grid)
    said = t(lang, "charts.grid", count=len(shown), picked=picked)
    show_chart(lang, st, figure, key="qd_grid", on_select=_picked_in_grid,
               selection_mode="points", alt=said)  # fmt: skip
    st.caption(t(lang, "quickdraw.grid_caption", shown=len(shown)))
    position = st.number_input(t(lang, "quickdraw.pick"), 1, len(shown), 1, key="qd_pick")
    drawing = shown[int(position) - 1]
    cells = [*st.columns(3), *st.columns(3)]  # two rows: a date needs the room
    seconds = (
        "—"
        if drawing.duration_ms is None
        else t(lang, "quickdraw.seconds_value", seconds=drawing.duration_ms / 1000)
    )
    facts = (
        (t(lang, "quickdraw.country"), country_name(drawing.countrycode, lang)),
        (t(lang, "quickdraw.date"), day(lang, drawing.timestamp) if drawing.timestamp else "—"),
        (t(lang, "quickdraw.strokes"), len(drawing.strokes)),
        (t(lang, "quickdraw.points"), drawing.points),
        (t(lang, "quickdraw.duration"), seconds),
        (
            t(lang, "quickdraw.recognized"),
            t(lang, f"quickdraw.recognized_{'yes' if drawing.recognized else 'no'}"),
        ),
    )
    for cell, (label, value) in zip(cells, facts):
        cell.metric(label, value)
    return drawing


def replay(lang: str, drawings: list[Drawing], picked: Drawing) -> None:
    """Stroke by stroke with real timing; several drawings on one clock."""
    st.subheader(t(lang, "quickdraw.replay_title"))
    st.markdown(t(lang, "quickdraw.replay_text"))
    numbers = list(range(1, min(len(drawings), GRID_MAX) + 1))
    position = drawings.index(picked) + 1
    before = st.session_state.get("qd_replay_picked")
    earlier = st.session_state.get("qd_replay", [])
    if any(n not in numbers for n in earlier):  # fewer drawings after a filter
        st.session_state["qd_replay"] = [n for n in earlier if n in numbers]
    if before != position:  # a drawing picked in the grid or the number box is replayed first,
        # in place of the one picked before; drawings added by hand stay beside it
        kept = [n for n in st.session_state.get("qd_replay", []) if n not in (before, position)]
        st.session_state["qd_replay"] = [position, *kept][:4]
        st.session_state["qd_replay_picked"] = position
    chosen = pick_many(lang, t(lang, "quickdraw.replay_pick"), numbers, most=4,
                       key="qd_replay")  # fmt: skip
    speed = st.select_slider(t(lang, "quickdraw.speed"), [0.5, 1.0, 2.0, 4.0], value=1.0,
                             format_func=lambda s: f"× {number(lang, s)}",
                             key="qd_speed")  # fmt: skip
    if not chosen:
        return
    selected = [drawings[n - 1] for n in chosen]
    if not selected[0].timed:
        st.caption(t(lang, "quickdraw.untimed"))
    titles = [f"#{n} · {country_name(d.countrycode, lang)}" for n, d in zip(chosen, selected)]
    clock = t(lang, "quickdraw.clock")
    figure = shared_chart(
        ("replay", lang, contents(selected), tuple(titles), speed),
        lambda: replay_figure(selected, titles, 100.0, speed, "▶", "⏸", clock, lang),
    )
    show_chart(lang, st, figure, key="qd_replay_chart",
               alt=t(lang, "charts.replay", drawings=", ".join(titles)))  # fmt: skip


def raw_and_simplified(lang: str, picked: Drawing, word: str, count: int) -> None:
    """The same drawing (same key_id) raw, simplified by Google, and by our own RDP."""
    st.subheader(t(lang, "quickdraw.simplify_title"))
    st.markdown(t(lang, "quickdraw.simplify_text"))
    other = "simplified" if picked.timed else "raw"
    loaded = load_drawings(lang, word, other, count)
    if loaded is None:
        return
    twin = next((d for d in loaded[0] if d.key_id == picked.key_id), None)
    raw, simplified = (picked, twin) if picked.timed else (twin, picked)
    if raw is None or simplified is None:
        st.info(t(lang, "quickdraw.no_twin"))
        return
    epsilon = decimal_slider(lang, t(lang, "quickdraw.epsilon"), (0.0, 20.0), 2.0, 0.5,
                             key="qd_epsilon")  # fmt: skip
    ours = simplify(raw.strokes, epsilon)
    ours_points = sum(len(s[0]) for s in ours)
    columns = st.columns(3)
    for column, strokes, title in (
        (columns[0], raw.strokes, t(lang, "quickdraw.raw_title", points=raw.points)),
        (
            columns[1],
            simplified.strokes,
            t(lang, "quickdraw.google_title", points=simplified.points),
        ),
        (columns[2], ours, t(lang, "quickdraw.ours_title", epsilon=epsilon, points=ours_points)),
    ):
        build = partial(strokes_figure, strokes, title)  # the title tells the three apart
        figure = shared_chart(("strokes", raw.key_id, title), build)
        show_chart(lang, column, figure, key=f"qd_strokes_{title[:12]}", alt=title)


def statistics(lang: str, drawings: list[Drawing], extra: list[Drawing]) -> None:
    """Countries on a map, share recognized, and distributions, for one or more categories."""
    st.subheader(t(lang, "quickdraw.stats_title"))
    table = drawings_table(drawings + extra)
    own = table[table["word"] == drawings[0].word] if drawings else table
    table["word"] = table["word"].map(partial(word_in, lang))  # the legends name categories
    shown = (lang, contents(drawings), contents(extra))
    left, right = st.columns([3, 1])
    counts = shared_results().get_or_compute(("countries", *shown),
                                             partial(country_counts, own, lang))  # fmt: skip
    world = shared_chart(("world", *shown),
                         lambda: world_map(counts, t(lang, "quickdraw.drawings")))  # fmt: skip
    total = max(int(counts["drawings"].sum()), 1)
    said = t(
        lang,
        "charts.world",
        countries=chart_text.ranked(
            lang, [(n, c / total) for n, c in zip(counts["name"], counts["drawings"])]
        ),
    )
    by_country = pd.DataFrame(
        {
            t(lang, "quickdraw.country"): counts["name"],
            t(lang, "quickdraw.drawings"): counts["drawings"],
        }
    )
    show_chart(lang, left, world, key="qd_map", config={"topojsonURL": WORLD_SHAPES_URL},
               alt=said, table=by_country)  # fmt: skip
    right.metric(t(lang, "quickdraw.share_recognized"), percent(lang, own["recognized"].mean()))
    right.metric(t(lang, "quickdraw.countries_count"), own["country"].nunique())
    # One distribution at a time, the page's whole width: three side by side were too cramped
    # for their legends when categories are compared.
    measured = [name for name in ("strokes", "points", "seconds") if table[name].notna().any()]
    for tab, name in zip(st.tabs([t(lang, f"quickdraw.{name}") for name in measured]), measured):
        label, count_label = t(lang, f"quickdraw.{name}"), t(lang, "quickdraw.drawings")
        figure = shared_chart(
            ("distribution", name, *shown),
            partial(distribution, table, name, label, count_label),
        )
        said = t(
            lang,
            "charts.distribution",
            what=label,
            median=number(lang, float(table[name].median()), 1),
        )
        show_chart(lang, tab, figure, key=f"qd_hist_{name}", alt=said)  # means in the table below
    st.dataframe(summary_table(lang, table), hide_index=True, key="qd_summary")


def summary_table(lang: str, table: pd.DataFrame) -> pd.DataFrame:
    """One row per category: the share recognized and the mean strokes, points and seconds,
    headed and written in the student's language."""
    means = table.groupby("word")[["recognized", "strokes", "points", "seconds"]].mean()
    rows = []
    for word, row in means.iterrows():
        rows.append(
            {
                t(lang, "quickdraw.col_word"): word,
                t(lang, "quickdraw.recognized"): percent(lang, row["recognized"]),
                **{
                    t(lang, f"quickdraw.mean_{name}"): "—"
                    if pd.isna(row[name])
                    else number(lang, row[name], 1)
                    for name in ("strokes", "points", "seconds")
                },
            }
        )
    return pd.DataFrame(rows)
