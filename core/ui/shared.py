"""What the app keeps across reruns and sessions: built models, computed things, trainings.

The only module that touches Streamlit's caches. Every object is process-wide
(`st.cache_resource`), so 30 students share one copy of each model, never one per session.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.atomic_folder import remove_interrupted
from core.config import settings
from core.models.loader import ModelCache
from core.quickdraw.training_queue import TrainingQueue
from core.result_cache import ResultCache


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
def shared_trainings() -> TrainingQueue:
    """The trainings of "Train your own", each in a worker process, within their budget."""
    config = settings()
    return TrainingQueue(
        config.training_budget_mb * 2**20, config.training_max_running, config.training_threads
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
