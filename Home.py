"""The app's entry point (`streamlit run Home.py`): the sidebar lists the pages under titles in
the student's language, then the page the student chose runs (Home is app_pages/0_Home_Page.py)."""

from core.ui.page import navigation

navigation().run()
