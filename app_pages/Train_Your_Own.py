"""Train your own doodle classifier on real Quick, Draw! drawings, on the CPU."""

import streamlit as st

from core.i18n import t
from core.ui.lesson_views import check_understanding, part_of_classification
from core.ui.page import page_start
from core.ui.saved_models_views import manage_section, save_section
from core.ui.training_views import (
    choose_data,
    follow_training,
    runs_chart,
    show_result,
    start_training,
    stop_training,
    training_active,
)

lang = page_start("train.name")
st.title(t(lang, "train.title"))
st.markdown(t(lang, "train.intro"))
part_of_classification(lang)

choice = choose_data(lang)
start, stop = st.columns([1, 5])
clicked = start.button(t(lang, "train.start"), type="primary", key="tr_start",
                       disabled=choice is None or training_active())  # fmt: skip
if stop.button(t(lang, "train.stop"), key="tr_stop"):
    stop_training()
if clicked and choice is not None:
    start_training(lang, *choice)
follow_training(lang)
show_result(lang)
save_section(lang)
manage_section(lang)
runs_chart(lang)

st.header(t(lang, "train.explain_title"))
st.markdown(t(lang, "train.explain"))
check_understanding(lang, "train")
