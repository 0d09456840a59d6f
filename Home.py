"""The app's entry point (`streamlit run Home.py`): the sidebar lists the pages under titles in
the student's language, then the page the student chose runs (Home is app_pages/Home_Page.py).
After the run, garbage is collected only when something changed (`core/garbage_collection.py`;
Streamlit's collection after every run is off in `.streamlit/config.toml`)."""

from core.config import settings
from core.garbage_collection import after_run
from core.ui.page import navigation

try:
    navigation().run()
finally:
    after_run(settings().gc_growth_mb * 2**20)
