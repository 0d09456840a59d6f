"""Where a model call is answered: in this process (`local`, the default) or by a Ray Serve
application on one or more machines (`serve`), behind one interface (`backend.py`). The Serve
application itself (`app.py`) is built from the same registry and loader as the local path."""
