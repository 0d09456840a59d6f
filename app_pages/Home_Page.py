"""Home: what a task is on Hugging Face, the vision tasks as input → output, and the pages."""

import streamlit as st

from core.i18n import t
from core.models.registry import OTHER_PAGES, TASKS
from core.ui.lesson_views import check_understanding
from core.ui.page import page_start

lang = page_start("app.name")

st.title(t(lang, "home.title"))
st.markdown(f"*{t(lang, 'home.tagline')}*")

st.header(t(lang, "home.task_title"))
st.markdown(t(lang, "home.task_text"))

st.header(t(lang, "home.tasks_title"))
tasks = list(TASKS.values())
# a row of two cards at a time: on a phone the rows stack in the sidebar's order (two columns
# of cards stacked the first column's cards, then the second's)
cells = [cell for start in range(0, len(tasks), 2) for cell in st.columns(2)]
for cell, task in zip(cells, tasks):
    with cell.container(border=True):
        st.subheader(f"{task.icon} {t(lang, f'tasks.{task.id}.name')}")
        st.markdown(f"**{t(lang, 'home.input')}:** {t(lang, f'tasks.{task.id}.input')}")
        st.markdown(f"**{t(lang, 'home.output')}:** {t(lang, f'tasks.{task.id}.output')}")
        st.markdown(f"**{t(lang, 'home.example')}:** {t(lang, f'tasks.{task.id}.example')}")

st.header(t(lang, "home.pages_title"))
for task in TASKS.values():
    name = t(lang, f"tasks.{task.id}.name")
    st.page_link(task.page, label=t(lang, "home.open_page", page=name), icon=task.icon)
for other in OTHER_PAGES:
    label = t(lang, "home.open_page", page=t(lang, other.title))
    st.page_link(other.page, label=label, icon=other.icon)

check_understanding(lang, "home")
st.caption(t(lang, "app.footer"))
