"""Quick, Draw! data explorer: browse, filter, replay and chart Google's doodles."""

import streamlit as st

from core.i18n import t, tn
from core.quickdraw.formats import QUICKDRAW_WORDS, word_in
from core.ui.lesson_views import check_understanding, part_of_classification
from core.ui.page import page_start
from core.ui.quickdraw_views import (
    filtered,
    grid_and_details,
    load_drawings,
    raw_and_simplified,
    replay,
    statistics,
    uploaded_drawings,
)
from core.ui.widgets import pick_many

lang = page_start("quickdraw.name")
st.title(t(lang, "quickdraw.title"))
st.markdown(t(lang, "quickdraw.intro"))
part_of_classification(lang)
st.caption(f"⚠️ {t(lang, 'quickdraw.content_warning')}")

source = st.radio(
    t(lang, "quickdraw.source"),
    ["bucket", "local"],
    horizontal=True,
    format_func=lambda name: t(lang, f"quickdraw.source_{name}"),
    key="qd_source",
)
word, count = "", 0
if source == "bucket":
    left, middle, right = st.columns(3)
    word = left.selectbox(t(lang, "quickdraw.word"), QUICKDRAW_WORDS,
                          index=QUICKDRAW_WORDS.index("cat"),
                          format_func=lambda name: word_in(lang, name), key="qd_word")  # fmt: skip
    fmt = middle.radio(t(lang, "quickdraw.format"), ["raw", "simplified"], horizontal=True,
                       format_func=lambda name: t(lang, f"quickdraw.format_{name}"),
                       key="qd_format")  # fmt: skip
    count = right.slider(t(lang, "quickdraw.count"), 10, 500, 100, 10, key="qd_count")
    loaded = load_drawings(lang, word, fmt, count)
else:
    loaded = uploaded_drawings(lang)

if loaded is not None:
    drawings, skipped = loaded
    if skipped:
        st.warning(tn(lang, "quickdraw.skipped", skipped))
    shown = filtered(lang, drawings)
    if not shown:
        st.info(t(lang, "quickdraw.none_left"))
    else:
        picked = grid_and_details(lang, shown)
        replay(lang, shown, picked)
        if source == "bucket":
            raw_and_simplified(lang, picked, word, count)
        extra = []
        if source == "bucket":
            others = [w for w in QUICKDRAW_WORDS if w != word]
            compared = pick_many(lang, t(lang, "quickdraw.compare"), others, key="qd_compare",
                                 format_func=lambda name: word_in(lang, name))  # fmt: skip
            for other in compared:
                more = load_drawings(lang, other, fmt, count)
                extra += more[0] if more else []
        statistics(lang, drawings, extra)

st.header(t(lang, "quickdraw.why_title"))
st.markdown(t(lang, "quickdraw.why_text"))
check_understanding(lang, "quickdraw")
