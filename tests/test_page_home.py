"""Home as a student sees it: what a task is, the four tasks as input → output, a link to
every page, in the browser's language."""

from __future__ import annotations

import pytest

from core.i18n import t
from tests.support.app import open_page


@pytest.mark.parametrize(("locale", "lang"), [("es-ES", "es"), ("en-GB", "en")])
def test_home_explains_tasks_and_links_existing_pages(locale, lang):
    at = open_page("Home", locale)
    assert not at.exception
    assert at.title[0].value == t(lang, "home.title")
    text = " ".join(m.value for m in at.markdown)
    assert t(lang, "home.task_text").strip()[:40] in text
    for task in (
        "image-classification",
        "object-detection",
        "depth-estimation",
        "image-segmentation",
    ):
        assert any(t(lang, f"tasks.{task}.name") in s.value for s in at.subheader)
    links = [(link.proto.label, link.proto.page) for link in at.get("page_link")]
    assert links == [
        (t(lang, "home.open_page", page=t(lang, f"tasks.{task}.name")), page)
        for task, page in (
            ("image-classification", "Image_Classification"),
            ("object-detection", "Object_Detection"),
            ("depth-estimation", "Depth_Estimation"),
            ("image-segmentation", "Image_Segmentation"),
        )
    ] + [
        (t(lang, "home.open_page", page=t(lang, "quickdraw.name")), "Quick_Draw_Explorer"),
        (t(lang, "home.open_page", page=t(lang, "train.name")), "Train_Your_Own"),
        (t(lang, "home.open_page", page=t(lang, "pictionary.name")), "Pictionary"),
        (t(lang, "home.open_page", page=t(lang, "diagnostics.name")), "Diagnostics"),
    ]


def test_the_task_cards_stack_in_the_sidebar_s_order():
    """On a phone Streamlit stacks columns one after the other: the page's element order (what
    AppTest lists) is the order a phone shows, and it must be the tasks' (the sidebar's)."""
    from core.models.registry import TASKS

    at = open_page("Home_Page", "es-ES")
    shown = [s.value for s in at.subheader]
    expected = [f"{task.icon} {t('es', f'tasks.{task.id}.name')}" for task in TASKS.values()]
    assert [s for s in shown if s in expected] == expected
