"""Vision Tasks Lab core.

Plain Python that the pages compose and the tests call, in layers (each imports only those below
it; `lint-imports` checks it, contracts in pyproject.toml):

- `core.ui`: everything that imports Streamlit, besides `app_pages/` and `Home.py`;
- `core.diagnostics`: what the teacher's Diagnostics page reads (versions, memory, caches, the
  network), without Streamlit;
- `core.serving`: where a model call is answered, this process or Ray Serve (the only module
  that imports Ray is `core.serving.app`);
- `core.quickdraw`: the Quick, Draw! dataset, doodle training and Pictionary (its saved
  classifiers tell the loader where `trained/<name>` lives);
- `core.models`: the registry of tasks and models, the loader and how a model runs;
- `core.tasks`: each vision task's run function, typed result, charts and code snippet;
- `core.config`, `core.i18n`, `core.errors`, `core.result_cache`, `core.atomic_folder`: settings,
  texts, the errors' base and the shared building blocks.
"""
