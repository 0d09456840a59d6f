"""What the app keeps across reruns and sessions: built models and computed results.

The only module that touches Streamlit's caches. Both objects are process-wide
(`st.cache_resource`), so 30 students share one copy of each model, never one per session.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

import streamlit as st

from core.config import settings
from core.model_loader import ModelCache


class ResultCache:
    """Results by (model, revision, image, settings), least recently used dropped first."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)


@st.cache_resource(show_spinner=False)
def shared_models() -> ModelCache:
    """The one model cache of the process, bounded by `VTL_MEMORY_BUDGET_MB`."""
    return ModelCache(settings().memory_budget_mb * 1024 * 1024)


@st.cache_resource(show_spinner=False)
def shared_results() -> ResultCache:
    """Results already computed, so a rerun with the same inputs does not run a model."""
    return ResultCache(max_entries=512)


@st.cache_resource(show_spinner=False)
def shared_images() -> ResultCache:
    """Uploaded images already decoded, by content, so a rerun does not decode them again."""
    return ResultCache(max_entries=32)
