"""Home as a student sees it: what a task is, the five tasks as input → output, a link to
every page, in the browser's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.i18n import t
from core.models.registry import HOME, TASKS, all_pages
from tests.support.app import open_page


@pytest.mark.parametrize(("locale", "lang"), [("es-ES", "es"), ("en-GB", "en")])
def test_home_explains_tasks_and_links_existing_pages(locale, lang):
    at = open_page("Home", locale)
    assert not at.exception
    assert at.title[0].value == t(lang, "home.title")
    text = " ".join(m.value for m in at.markdown)
    assert t(lang, "home.task_text").strip()[:40] in text
    for task in TASKS:  # the five tasks, the fifth among them
        assert any(t(lang, f"tasks.{task}.name") in s.value for s in at.subheader)
    assert "zero-shot-image-classification" in TASKS
    links = [(link.proto.label, link.proto.page) for link in at.get("page_link")]
    assert links == [  # every page but Home, in the sidebar's order, the registry's
        (t(lang, "home.open_page", page=t(lang, spec.title)), Path(spec.page).stem)
        for spec in all_pages()
        if spec is not HOME
    ]
    assert links[4][1] == "Zero_Shot_Classification" and links[5][1] == "Quick_Draw_Explorer"


def test_the_task_cards_stack_in_the_sidebar_s_order():
    """On a phone Streamlit stacks columns one after the other: the page's element order (what
    AppTest lists) is the order a phone shows, and it must be the tasks' (the sidebar's)."""
    from core.models.registry import TASKS

    at = open_page("Home_Page", "es-ES")
    shown = [s.value for s in at.subheader]
    expected = [f"{task.icon} {t('es', f'tasks.{task.id}.name')}" for task in TASKS.values()]
    assert [s for s in shown if s in expected] == expected
