"""Home: what a task is on Hugging Face, the vision tasks as input → output, and the pages."""

import streamlit as st

from core.i18n import t
from core.models.registry import OTHER_PAGES, TASKS
from core.ui.widgets import page_start

lang = page_start("app.name", "👁️")

st.title(t(lang, "home.title"))
st.markdown(f"*{t(lang, 'home.tagline')}*")

st.header(t(lang, "home.task_title"))
st.markdown(t(lang, "home.task_text"))

st.header(t(lang, "home.tasks_title"))
columns = st.columns(2)
for index, task in enumerate(TASKS.values()):
    with columns[index % 2].container(border=True):
        st.subheader(f"{task.icon} {t(lang, f'tasks.{task.id}.name')}")
        st.markdown(f"**{t(lang, 'home.input')}:** {t(lang, f'tasks.{task.id}.input')}")
        st.markdown(f"**{t(lang, 'home.output')}:** {t(lang, f'tasks.{task.id}.output')}")
        st.markdown(f"**{t(lang, 'home.example')}:** {t(lang, f'tasks.{task.id}.example')}")

st.header(t(lang, "home.pages_title"))
for task in TASKS.values():
    if task.page:  # pages not built yet are not listed
        name = t(lang, f"tasks.{task.id}.name")
        st.page_link(task.page, label=t(lang, "home.open_page", page=name), icon=task.icon)
for page, title, icon in OTHER_PAGES:
    st.page_link(page, label=t(lang, "home.open_page", page=t(lang, title)), icon=icon)

st.caption(t(lang, "app.footer"))
