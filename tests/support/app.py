"""The app as AppTest opens it: one way to open a page, in a browser locale."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from streamlit.testing.v1 import AppTest

from tests.support.environment import ROOT


def page_path(page: str) -> str:
    """A page's file stem ("Image_Classification") as the path the navigation knows it by."""
    return f"app_pages/{page}.py"


def open_page(page: str, locale: str | None = None, timeout: int = 60, run: bool = True) -> AppTest:
    """A page as a student opens it: through the app's entry point (`Home.py`, whose navigation
    knows every page, so links between pages work), `locale` as their browser sends it; run
    unless the test still has widgets or session state to set first."""
    at = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=timeout)
    if page != "Home":
        at.switch_page(page_path(page))
    if locale:
        at.context = {"locale": locale}
    return at.run() if run else at


@contextlib.contextmanager
def sessions_at_once() -> Iterator[None]:
    """Let AppTest sessions run in threads at the same time, as a class does.

    AppTest installs a mock Streamlit runtime for each run and removes it after; with several
    runs in threads, one removes it while another still uses it. Keep the last one installed
    instead, and set `global.appTest` once for all runs."""
    from unittest import mock

    from streamlit.runtime import Runtime
    from streamlit.testing.v1 import app_test
    from streamlit.testing.v1.util import patch_config_options

    installed: list[Runtime] = []  # the last mock an AppTest run installed

    def instance(cls):
        if cls._instance is not None:
            installed[:] = [cls._instance]
        if not installed:
            raise RuntimeError("Runtime hasn't been created!")
        return installed[0]

    def exists(cls):
        return bool(installed) or cls._instance is not None

    with (
        mock.patch.object(Runtime, "instance", classmethod(instance)),
        mock.patch.object(Runtime, "exists", classmethod(exists)),
        mock.patch.object(app_test, "patch_config_options", lambda o: contextlib.nullcontext()),
        patch_config_options({"global.appTest": True}),
    ):
        yield


def until_trained(at: AppTest, within: float = 300) -> AppTest:
    """Run the page again, as its progress fragment does every second in a browser (AppTest
    runs no `run_every` fragment), until the session's training has ended and its result is
    on the page."""
    from core.ui.training_views import JOB

    deadline = time.monotonic() + within
    while JOB in at.session_state and time.monotonic() < deadline:
        time.sleep(0.25)
        at.run()
    assert JOB not in at.session_state, "the training did not end in time"
    return at
