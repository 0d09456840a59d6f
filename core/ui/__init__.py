"""The Streamlit side of the app: the only package besides `app_pages/` and `Home.py` that imports
Streamlit (checked by import-linter, see pyproject.toml). Page start and language, the pickers,
error display, the bridge from a page to the shared caches, and the sections pages share."""
