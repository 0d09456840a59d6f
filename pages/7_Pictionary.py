"""Pictionary: draw and watch a model guess live; a six-round game; the lesson's dogs or cats."""

import streamlit as st

from core.i18n import t
from core.ui.page import page_start
from core.ui.pictionary_views import choose_model, dogs_and_cats_tab, draw_tab, game_tab

lang = page_start("pictionary.name")
st.title(t(lang, "pictionary.title"))
st.markdown(t(lang, "pictionary.intro"))

ref, style = choose_model(lang)
draw, game, dogs_and_cats = st.tabs(
    [t(lang, "pictionary.tab_draw"), t(lang, "pictionary.tab_game"), t(lang, "pictionary.tab_dc")]
)
with draw:
    draw_tab(lang, ref, style)
with game:
    game_tab(lang, ref, style)
with dogs_and_cats:
    dogs_and_cats_tab(lang)
