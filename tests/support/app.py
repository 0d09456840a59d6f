"""The app as AppTest opens it: one way to open a page, in a browser locale."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.support.environment import ROOT


def page_path(page: str) -> str:
    """ "Home" or a page's file stem ("1_Image_Classification") as the path AppTest opens."""
    return str(ROOT / "Home.py" if page == "Home" else ROOT / "pages" / f"{page}.py")


def open_page(page: str, locale: str | None = None, timeout: int = 60, run: bool = True) -> AppTest:
    """A page as a student opens it (`locale` as their browser sends it); run unless the test
    still has widgets or session state to set first."""
    at = AppTest.from_file(page_path(page), default_timeout=timeout)
    if locale:
        at.context = {"locale": locale}
    return at.run() if run else at
