"""What the app keeps across reruns and sessions: built models, computed things, trainings.

The only module that touches Streamlit's caches. Every object is process-wide
(`st.cache_resource`), so 30 students share one copy of each model, never one per session.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from core.atomic_folder import remove_interrupted
from core.config import settings
from core.models.loader import ModelCache
from core.quickdraw import saved_models  # noqa: F401  (the loader finds trained/ models through it)
from core.quickdraw.training_queue import TrainingQueue
from core.result_cache import ResultCache
from core.serving.backend import Backend, backend_from_settings


@st.cache_resource(show_spinner=False)
def shared_models() -> ModelCache:
    """The one model cache of the process, bounded by `VTL_MEMORY_BUDGET_MB`."""
    return ModelCache(settings().memory_budget_mb * 2**20)


@st.cache_resource(show_spinner=False)
def shared_results() -> ResultCache:
    """Everything computed that a rerun or another session may ask for again, under one byte
    budget (`VTL_CACHE_BUDGET_MB`): results by (model, image, options), decoded uploads,
    Quick, Draw! drawings and training bitmaps. Keys start with their kind."""
    config = settings()
    return ResultCache(config.cache_budget_mb * 2**20, single_flight=config.single_flight)


@st.cache_resource(show_spinner=False)
def shared_backend() -> Backend:
    """Where model calls are answered: this process (`shared_models`), or the Ray Serve
    application at `VTL_SERVE_URL`, in which case no model is loaded here (unless the teacher
    allowed the local fallback, `VTL_SERVE_FALLBACK=1`, and Serve cannot be reached)."""
    config = settings()
    needs_local = not config.serve_url or config.serve_fallback
    return backend_from_settings(shared_models() if needs_local else None)


@st.cache_resource(show_spinner=False)
def shared_trainings() -> TrainingQueue:
    """The trainings of "Train your own", each in a worker process, within their budget."""
    config = settings()
    return TrainingQueue(
        config.training_budget_mb * 2**20,
        config.training_max_running,
        config.training_threads,
        config.lean_mmap_mb * 2**20,
    )


def models_folder() -> Path:
    """The folder of the models students train (`VTL_MODELS_DIR`), cleaned once per process
    of what interrupted saves left (half-written folders; a replaced model put back if its
    replacement never landed)."""
    folder = settings().models_dir
    _cleaned(str(folder))
    return folder


@st.cache_resource(show_spinner=False)
def _cleaned(folder: str) -> bool:
    remove_interrupted(Path(folder))
    return True


def shared_chart(key: tuple, build: Callable[[], Any]) -> Any:
    """A chart (or its picture) built once per what it shows (`key`, with the language), kept
    with the class's other results: a display-only rerun (the replay's speed, ε, a tab) and the
    other students on the same drawings reuse it. Building the explorer's grid, replay and
    statistics took 0.26 s of each of its reruns; a classification chart, 0.05 s of each open."""
    return shared_results().get_or_compute(("chart", *key), build)
