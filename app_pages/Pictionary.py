"""Pictionary: draw and watch a model guess live; a six-round game; the lesson's dogs or cats."""

import streamlit as st

from core.i18n import t
from core.ui.lesson_views import check_understanding, part_of_classification
from core.ui.page import page_start
from core.ui.pictionary_views import (
    choose_model,
    dogs_and_cats_tab,
    draw_tab,
    game_tab,
    in_a_game,
)

lang = page_start("pictionary.name")
st.title(t(lang, "pictionary.title"))
# During a game the canvas comes first (on a phone, in sight): the introduction is left out,
# its container kept, so that the tabs keep their place in the page and are not drawn anew
# (with the first tab shown for a moment) when the game starts or ends.
introduction = st.container()
if not in_a_game(lang):
    with introduction:
        st.markdown(t(lang, "pictionary.intro"))
        part_of_classification(lang)

ref, style = choose_model(lang)
# Only the open tab runs: the dogs-and-cats model (346 MB) loads when its tab is opened.
draw, game, dogs_and_cats = st.tabs(
    [t(lang, "pictionary.tab_draw"), t(lang, "pictionary.tab_game"), t(lang, "pictionary.tab_dc")],
    key="pic_tabs",
    on_change="rerun",
)
if draw.open:
    with draw:
        draw_tab(lang, ref, style)
if game.open:
    with game:
        game_tab(lang, ref, style)
if dogs_and_cats.open:
    with dogs_and_cats:
        dogs_and_cats_tab(lang)
check_understanding(lang, "pictionary")
